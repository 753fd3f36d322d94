"""The shop's Merchant Center feed: variants, prices, stock and images, all or nothing."""

import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.content import ContentError
from core.images import placeholder_image
from core.pagecache import current_generation
from products.models import Availability, Product, ProductImage, ProductVariant
from products.services import products_feed_import
from tests.factories import make_article, make_product

HEADER = [
    "id",
    "item_group_id",
    "title",
    "description",
    "link",
    "image_link",
    "additional_image_link",
    "price",
    "sale_price",
    "availability",
    "gtin",
    "mpn",
    "size",
    "width",
    "color",
    "gender",
    "product_type",
]


def offer(**kwargs):
    row = {
        "id": "ATM-1",
        "item_group_id": "ATOM-M",
        "title": "ATOM Men's Athletic Sneaker - Black - 9",
        "description": "A supportive sneaker.",
        "link": "https://shop.example.com/atom?variant=1",
        "image_link": "placeholder:64x64/black-side",
        "additional_image_link": "",
        "price": "149.95 USD",
        "sale_price": "",
        "availability": "in_stock",
        "gtin": "",
        "mpn": "",
        "size": "9",
        "width": "Regular",
        "color": "Black",
        "gender": "male",
        "product_type": "Shoes > Sneakers",
    }
    row.update(kwargs)
    return row


def tsv(tmp_path, rows, name="feed.tsv", header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join(["\t".join(header), *("\t".join(row[h] for h in header) for row in rows)]) + "\n")
    return path


ATOM_ROWS = [
    offer(),
    offer(id="ATM-2", size="9.5", price="149.95 USD", sale_price="119.95 USD", gtin="850012000013"),
    offer(id="ATM-3", size="10", width="Wide", availability="out of stock"),
    offer(
        id="ATM-4",
        color="Slate",
        size="9",
        availability="backorder",
        image_link="placeholder:64x64/slate-side",
        additional_image_link="placeholder:64x64/slate-top,placeholder:64x64/slate-sole",
    ),
]


def test_offers_of_a_group_become_one_product_with_variants(db, tmp_path):
    result = products_feed_import(path=tsv(tmp_path, ATOM_ROWS))
    product = Product.objects.get()
    assert result.created == [product.slug] and product.slug == "atom-mens-athletic-sneaker"
    assert (product.name, product.line, product.gender, product.category) == (
        "ATOM Men's Athletic Sneaker",
        "ATOM",
        "men",
        "sneakers",
    )
    assert (product.feed_id, product.price, product.currency, product.price_varies) == (
        "ATOM-M",
        Decimal("119.95"),
        "USD",
        True,
    )
    assert product.availability == Availability.IN_STOCK
    variants = list(product.variants.all())
    assert [(v.offer_id, v.colour, v.size, v.width) for v in variants] == [
        ("ATM-1", "Black", "9", "Regular"),
        ("ATM-2", "Black", "9.5", "Regular"),
        ("ATM-3", "Black", "10", "Wide"),
        ("ATM-4", "Slate", "9", "Regular"),
    ]
    sale = variants[1]
    assert (sale.price, sale.sale_price, sale.current_price, sale.gtin) == (
        Decimal("149.95"),
        Decimal("119.95"),
        Decimal("119.95"),
        "850012000013",
    )
    assert variants[2].availability == Availability.OUT_OF_STOCK  # "out of stock" as older feeds write it
    assert [(i.colour, i.image_alt) for i in product.images.all()] == [
        ("Black", "ATOM Men's Athletic Sneaker in Black"),
        ("Slate", "ATOM Men's Athletic Sneaker in Slate"),
        ("Slate", "ATOM Men's Athletic Sneaker in Slate, view 2"),
        ("Slate", "ATOM Men's Athletic Sneaker in Slate, view 3"),
    ]
    assert product.image  # the first picture became the card's


def test_import_is_idempotent(db, tmp_path, settings):
    path = tsv(tmp_path, ATOM_ROWS)
    products_feed_import(path=path)
    before = (
        list(ProductVariant.objects.values_list("pk", "offer_id", "price", "availability")),
        list(ProductImage.objects.values_list("pk", "image")),
        sorted(p.name for p in Path(settings.MEDIA_ROOT, "products").iterdir()),
    )
    result = products_feed_import(path=path)
    assert result.created == [] and result.updated == [] and result.images_fetched == 0
    assert result.unchanged == ["atom-mens-athletic-sneaker"]
    after = (
        list(ProductVariant.objects.values_list("pk", "offer_id", "price", "availability")),
        list(ProductImage.objects.values_list("pk", "image")),
        sorted(p.name for p in Path(settings.MEDIA_ROOT, "products").iterdir()),
    )
    assert after == before and Product.objects.count() == 1


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_reimporting_an_unchanged_feed_writes_nothing_and_keeps_the_cached_pages(
    db, tmp_path, django_capture_on_commit_callbacks
):
    path = tsv(tmp_path, ATOM_ROWS)
    used = make_product(slug="used", feed_id="OLD-1")  # left the feed, kept (an article uses it)
    article = make_article(sections=1)
    article.product_cards.create(section=article.sections.get(), product=used)
    with django_capture_on_commit_callbacks(execute=True):
        products_feed_import(path=path)
    generation = current_generation()
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        result = products_feed_import(path=path)
    assert _writes(queries) == []
    assert current_generation() == generation
    assert result.unavailable == ["used"] and result.unchanged == ["atom-mens-athletic-sneaker"]


def test_a_changed_price_writes_only_its_variant(db, tmp_path, django_capture_on_commit_callbacks):
    products_feed_import(path=tsv(tmp_path, ATOM_ROWS))
    generation = current_generation()
    rows = [offer(price="139.95 USD"), *ATOM_ROWS[1:]]
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        result = products_feed_import(path=tsv(tmp_path, rows, name="cheaper.tsv"))
    writes = _writes(queries)
    variant = ProductVariant._meta.db_table
    assert len(writes) == 1 and writes[0].startswith(f'UPDATE "{variant}"'), writes
    assert ProductVariant.objects.get(offer_id="ATM-1").price == Decimal("139.95")
    assert result.updated == ["atom-mens-athletic-sneaker"] and current_generation() != generation


def test_a_second_feed_updates_prices_and_drops_offers_it_no_longer_lists(db, tmp_path):
    products_feed_import(path=tsv(tmp_path, ATOM_ROWS))
    first = ProductVariant.objects.get(offer_id="ATM-1").pk
    products_feed_import(path=tsv(tmp_path, [offer(price="139.95 USD", availability="preorder")], name="two.tsv"))
    variant = ProductVariant.objects.get()
    assert (variant.pk, variant.price, variant.availability) == (first, Decimal("139.95"), "preorder")
    product = Product.objects.get()
    assert (product.price, product.price_varies, product.availability) == (Decimal("139.95"), False, "preorder")
    assert list(product.images.values_list("colour", flat=True)) == ["Black"]


def test_an_existing_product_is_found_by_its_feed_id_and_keeps_its_copy(db, tmp_path):
    product = make_product(slug="atom", name="ATOM Men's Sneaker", description="Staff copy.", feed_id="ATOM-M")
    result = products_feed_import(path=tsv(tmp_path, ATOM_ROWS[:1]))
    product.refresh_from_db()
    assert result.updated == ["atom"] and Product.objects.count() == 1
    assert (product.name, product.description, product.price) == (
        "ATOM Men's Sneaker",
        "Staff copy.",
        Decimal("149.95"),
    )


def test_bad_lines_are_reported_with_their_line_and_nothing_is_written(db, tmp_path):
    product = make_product(feed_id="KEEP", price=None)
    rows = [
        offer(item_group_id="KEEP", id="K-1"),  # line 2: fine
        offer(id="ATM-2", price=""),  # line 3
        offer(id="ATM-3", price="89.99"),  # line 4
        offer(id="ATM-4", availability="sold out"),  # line 5
        offer(id="ATM-5", gtin="850012000018"),  # line 6: wrong check digit
        offer(id="ATM-6", sale_price="159.95 USD"),  # line 7
        offer(id="ATM-3"),  # line 8: a repeated id
        offer(id="ATM-8", link="javascript:alert(1)"),  # line 9
        offer(id="ATM-9", sale_price="99.00 EUR"),  # line 10
    ]
    path = tsv(tmp_path, rows)
    with pytest.raises(ContentError) as error:
        products_feed_import(path=path)
    assert str(error.value).splitlines() == [
        f"{path}:3: price is missing (Merchant Center requires it).",
        f"{path}:4: price '89.99' lacks its currency: write it as “89.99 USD”.",
        f"{path}:5: availability 'sold out' is not one of in_stock, backorder, preorder, out_of_stock.",
        f"{path}:6: gtin '850012000018' is not a GTIN-8, -12, -13 or -14 (check digit).",
        f"{path}:7: sale_price 159.95 is not below the price 149.95.",
        f"{path}:8: id 'ATM-3' appears already on line 4.",
        f"{path}:9: link 'javascript:alert(1)': not an http:// or https:// address.",
        f"{path}:10: sale_price is in EUR, the price in USD.",
    ]
    assert not ProductVariant.objects.exists() and not ProductImage.objects.exists()
    product.refresh_from_db()
    assert product.price is None and Product.objects.count() == 1


def test_a_row_with_a_tab_too_many_and_a_missing_column_are_refused(db, tmp_path):
    path = tmp_path / "feed.tsv"
    path.write_text("\t".join(HEADER) + "\n" + "\t".join(offer().values()) + "\textra\n")
    with pytest.raises(ContentError, match=r"feed.tsv:2: 18 fields, where the header names 17"):
        products_feed_import(path=path)
    with pytest.raises(ContentError, match=r"feed.tsv:1: the header lacks price"):
        products_feed_import(path=tsv(tmp_path, [offer()], header=[h for h in HEADER if h != "price"]))


def test_a_new_product_needs_gender_and_category(db, tmp_path):
    path = tsv(tmp_path, [offer(gender="", product_type="Apparel")])
    with pytest.raises(ContentError) as error:
        products_feed_import(path=path)
    assert "feed.tsv:2: gender is missing" in str(error.value)
    assert "feed.tsv:2: product_type names none of sneaker" in str(error.value)
    assert not Product.objects.exists()


XML = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
  <channel>
    <title>KURU</title>
    <item>
      <g:id>QW-1</g:id>
      <g:item_group_id>QUANTUM-W</g:item_group_id>
      <title>QUANTUM 2.0 Women's Sneaker</title>
      <link>https://shop.example.com/quantum?variant=1</link>
      <description>Our most cushioned midsole.</description>
      <g:image_link>placeholder:64x64/pewter-side</g:image_link>
      <g:additional_image_link>placeholder:64x64/pewter-top</g:additional_image_link>
      <g:additional_image_link>placeholder:64x64/pewter-sole</g:additional_image_link>
      <g:price>169.95 USD</g:price>
      <g:availability>in_stock</g:availability>
      <g:size>8</g:size>
      <g:color>Pewter</g:color>
      <g:gender>female</g:gender>
      <g:product_type>Shoes &gt; Athletic Shoes &gt; Sneakers</g:product_type>
      <g:shipping><g:country>US</g:country><g:price>0 USD</g:price></g:shipping>
    </item>
    <item>
      <g:id>QW-2</g:id>
      <g:item_group_id>QUANTUM-W</g:item_group_id>
      <title>QUANTUM 2.0 Women's Sneaker</title>
      <link>https://shop.example.com/quantum?variant=2</link>
      <g:image_link>placeholder:64x64/pewter-side</g:image_link>
      <g:price>169.95 USD</g:price>
      <g:sale_price>149.95 USD</g:sale_price>
      <g:availability>preorder</g:availability>
      <g:size>8.5</g:size>
      <g:color>Pewter</g:color>
      <g:gender>female</g:gender>
      <g:product_type>Sneakers</g:product_type>
    </item>
  </channel>
</rss>
"""


def test_xml_feed_with_the_g_namespace(db, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(XML)
    products_feed_import(path=path)
    product = Product.objects.get()
    assert (product.name, product.gender, product.price, product.description) == (
        "QUANTUM 2.0 Women's Sneaker",
        "women",
        Decimal("149.95"),
        "Our most cushioned midsole.",
    )
    assert [(v.offer_id, v.size, v.current_price) for v in product.variants.all()] == [
        ("QW-1", "8", Decimal("169.95")),
        ("QW-2", "8.5", Decimal("149.95")),
    ]
    assert product.images.count() == 3  # the shared side view once; the shipping's price is not the offer's


def test_xml_errors_name_the_line(db, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(XML.replace("<g:price>169.95 USD</g:price>\n      <g:sale_price>", "<g:sale_price>"))
    with pytest.raises(ContentError, match=r"feed.xml:22: price is missing"):
        products_feed_import(path=path)
    path.write_text(XML.replace("</title>\n    <item>", "</title>\n    <item><oops>"))
    with pytest.raises(ContentError, match=r"feed.xml:\d+: malformed XML: mismatched tag"):
        products_feed_import(path=path)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',  # XXE
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # laughs
        '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/feed.dtd">',
    ],
)
def test_xml_with_a_dtd_or_entities_is_refused(db, tmp_path, doctype):
    path = tmp_path / "feed.xml"
    path.write_text(
        XML.replace("<rss ", f"{doctype}\n<rss ").replace("<g:size>8</g:size>", "<g:size>&secret;</g:size>")
    )
    with pytest.raises(ContentError, match="declares a DTD or entities"):
        products_feed_import(path=path)
    assert not Product.objects.exists()


def test_products_that_left_the_feed_are_kept_when_used_and_deleted_otherwise(db, tmp_path):
    used = make_product(slug="used", feed_id="USED")
    article = make_article(sections=1)
    article.product_cards.create(section=article.sections.get(), product=used)
    products_feed_import(path=tsv(tmp_path, [offer(item_group_id="USED", id="U-1"), offer()]))
    products_feed_import(path=tsv(tmp_path, [offer(item_group_id="OTHER", id="O-1")], name="next.tsv"))
    used.refresh_from_db()
    assert used.is_active and used.availability == Availability.OUT_OF_STOCK
    assert list(used.variants.values_list("availability", flat=True)) == ["out_of_stock"]
    assert not Product.objects.filter(feed_id="ATOM-M").exists()  # nothing used it: deleted
    assert Product.objects.filter(feed_id="OTHER").exists()


class _ImageServer(BaseHTTPRequestHandler):
    requests = []
    body = placeholder_image(32, 32, "photo")

    def do_GET(self):
        _ImageServer.requests.append(self.path)
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect?to="))
            self.end_headers()
            return
        if self.path.endswith("/missing.jpg"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(b"not an image" if self.path.endswith(".txt") else self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def image_server(settings):
    # The test's own image server is on loopback, which feeds may not name unless allowed.
    settings.PRODUCT_FEED_IMAGE_HOSTS = ["127.0.0.1"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _ImageServer.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_linked_images_are_fetched_once(db, tmp_path, image_server):
    path = tsv(tmp_path, [offer(image_link=f"{image_server}/atom.jpg")])
    products_feed_import(path=path)
    products_feed_import(path=path)
    assert _ImageServer.requests == ["/atom.jpg"]
    image = ProductImage.objects.get()
    assert (image.source_url, image.image.file_width) == (f"{image_server}/atom.jpg", 32)


def test_an_image_that_cannot_be_fetched_or_is_no_image_stops_the_import(db, tmp_path, image_server):
    path = tsv(
        tmp_path,
        [offer(image_link=f"{image_server}/missing.jpg"), offer(id="ATM-2", image_link=f"{image_server}/page.txt")],
    )
    with pytest.raises(ContentError) as error:
        products_feed_import(path=path)
    assert f"feed.tsv:2: image '{image_server}/missing.jpg' could not be fetched: Not Found." in str(error.value)
    assert "feed.tsv:3: image" in str(error.value)
    assert not Product.objects.exists()


def test_command_reports_file_and_line(db, tmp_path):
    out = io.StringIO()
    call_command("import_products", str(tsv(tmp_path, ATOM_ROWS)), stdout=out)
    assert "1 product(s) created, 0 updated, 4 variant(s)" in out.getvalue()
    with pytest.raises(CommandError, match=r"bad.tsv:2: price is missing"):
        call_command("import_products", str(tsv(tmp_path, [offer(price="")], name="bad.tsv")))


# The worker closes the database connection after its batch, as in production: real transactions.
@pytest.mark.django_db(transaction=True)
def test_command_queues_the_import_for_the_worker(tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    call_command("import_products", str(tsv(tmp_path, ATOM_ROWS)), "--enqueue", stdout=io.StringIO())
    assert DBTaskResult.objects.count() == 1 and not Product.objects.exists()  # queued, not run
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    assert ProductVariant.objects.count() == 4
    assert DBTaskResult.objects.get(task_path="products.tasks.import_product_feed").status == "SUCCESSFUL"


def test_demo_feed_gives_every_demo_product_prices_sizes_and_stock(demo):
    for product in Product.objects.all():
        assert product.price is not None and product.currency == "USD", product
        assert product.variants.filter(availability=Availability.IN_STOCK).exists()
        assert product.variants.exclude(availability=Availability.IN_STOCK).exists()  # some sizes run out
        assert product.variants.values("size").distinct().count() >= 7
    assert Product.objects.get(slug="moment-womens-recovery-slide").variants.values("colour").distinct().count() == 3


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:{port}/atom.jpg",
        "http://localhost:{port}/atom.jpg",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_a_feed_cannot_make_the_server_fetch_its_own_network(db, tmp_path, image_server, settings, link):
    settings.PRODUCT_FEED_IMAGE_HOSTS = []
    port = image_server.rsplit(":", 1)[1]
    path = tsv(tmp_path, [offer(image_link=link.format(port=port))])
    with pytest.raises(ContentError) as error:
        products_feed_import(path=path)
    assert "feed.tsv:2: image" in str(error.value) and "private or local network" in str(error.value)
    assert _ImageServer.requests == [] and not Product.objects.exists()


def test_a_redirect_into_the_private_network_is_refused(db, tmp_path, image_server):
    port = image_server.rsplit(":", 1)[1]
    path = tsv(tmp_path, [offer(image_link=f"{image_server}/redirect?to=http://localhost:{port}/atom.jpg")])
    with pytest.raises(ContentError) as error:
        products_feed_import(path=path)
    assert "private or local network" in str(error.value)
    assert "/atom.jpg" not in _ImageServer.requests  # the redirect was asked for, its target never
