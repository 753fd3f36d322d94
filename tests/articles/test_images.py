"""Renditions and the picture markup: sizes, formats, made once, never upscaled, listed on the image's row."""

import io
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from articles.models import Article
from core.images import RENDITION_WIDTHS, recorded_widths, rendition_name, rendition_widths
from core.models import Image as LibraryImage
from products.models import Product
from tests.factories import image_bytes, image_file, make_article, make_image, make_product

MEDIA_FILES = "renditions"


class Pictures(HTMLParser):
    """Every <picture> of a page: its <source> attributes and its <img> attributes."""

    def __init__(self, html):
        super().__init__()
        self.pictures, self._open = [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "picture":
            self._open = {"sources": [], "img": None}
        elif tag == "source" and self._open is not None:
            self._open["sources"].append(dict(attrs))
        elif tag == "img" and self._open is not None:
            self._open["img"] = dict(attrs)

    def handle_endtag(self, tag):
        if tag == "picture":
            self.pictures.append(self._open)
            self._open = None

    def with_class(self, css_class):
        return [p for p in self.pictures if css_class in p["img"].get("class", "").split()]


def srcset_widths(srcset):
    return [int(candidate.rsplit(" ", 1)[1].removesuffix("w")) for candidate in srcset.split(", ")]


def rendition_files(settings):
    root = Path(settings.MEDIA_ROOT) / MEDIA_FILES
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_widths_stop_at_the_original_and_include_it():
    assert rendition_widths(4000) == list(RENDITION_WIDTHS)
    assert rendition_widths(1600) == [160, 320, 640, 960, 1280, 1600]
    assert rendition_widths(1000) == [160, 320, 640, 960, 1000]
    assert rendition_widths(100) == [100]
    assert rendition_widths(None) == []


def test_saving_a_product_makes_avif_webp_and_jpeg_renditions_of_the_sizes_claimed(db, settings):
    product = make_product(image=image_file("shoe.jpg", width=1000, height=750), image_alt="A grey sneaker.")
    for width in (160, 320, 640, 960, 1000):
        for ext, fmt in (("avif", "AVIF"), ("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(Path(settings.MEDIA_ROOT) / rendition_name(product.image.file.name, width, ext)) as img:
                assert (img.format, img.size) == (fmt, (width, round(750 * width / 1000)))
    assert len(rendition_files(settings)) == 15
    widths = [160, 320, 640, 960, 1000]
    expected = {"source": product.image.file.name, "jpg": widths, "webp": widths, "avif": widths}
    assert Product.objects.get().image.file_renditions == product.image.file_renditions == expected


def test_renditions_never_upscale(db, settings):
    product = make_product(image=image_file("small.png", width=300, height=200, fmt="PNG"), image_alt="A sandal.")
    stem = Path(product.image.file.name).with_suffix("").name
    assert rendition_files(settings) == [
        f"products/{stem}-160w.avif",
        f"products/{stem}-160w.jpg",
        f"products/{stem}-160w.webp",
        f"products/{stem}-300w.avif",
        f"products/{stem}-300w.jpg",
        f"products/{stem}-300w.webp",
    ]


def test_renditions_are_made_once(db, settings):
    product = make_product(image=image_file("shoe.jpg", width=700, height=700), image_alt="A grey sneaker.")
    files = [p for p in (Path(settings.MEDIA_ROOT) / MEDIA_FILES).rglob("*") if p.is_file()]
    assert len(files) == 12
    for path in files:
        os.utime(path, ns=(946684800 * 10**9, 946684800 * 10**9))  # 2000-01-01: any rewrite changes it
    product.name = "Renamed"
    product.save()
    make_product(image=image_file("again.jpg", width=700, height=700), image_alt="The same sneaker again.")
    assert {path.stat().st_mtime_ns for path in files} == {946684800 * 10**9}
    assert len(rendition_files(settings)) == 12


def test_transparent_png_keeps_alpha_in_webp_and_is_flattened_on_white_in_jpeg(db, settings):
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(buffer, format="PNG")
    product = make_product(image=image_file_bytes(buffer.getvalue(), "clear.png"), image_alt="A clear insole.")
    media = Path(settings.MEDIA_ROOT)
    with Image.open(media / rendition_name(product.image.file.name, 160, "webp")) as webp:
        assert webp.mode == "RGBA" and webp.getpixel((5, 5))[3] == 0
    with Image.open(media / rendition_name(product.image.file.name, 160, "avif")) as avif:
        assert avif.mode == "RGBA" and avif.getpixel((5, 5))[3] == 0
    with Image.open(media / rendition_name(product.image.file.name, 160, "jpg")) as jpeg:
        assert jpeg.mode == "RGB" and min(jpeg.getpixel((5, 5))) > 245


def image_file_bytes(data, name):
    from django.core.files.base import ContentFile

    return ContentFile(data, name=name)


def test_importer_makes_renditions_and_the_article_page_serves_them(client, demo, settings, django_assert_num_queries):
    client.get(demo.get_absolute_url())  # warm: see tests/articles/test_views.py
    with django_assert_num_queries(6):  # ArticleQuerySet.for_page()
        html = client.get(demo.get_absolute_url()).content.decode()
    page = Pictures(html)

    (hero,) = page.with_class("article__hero")
    assert hero["img"]["loading"] == "eager" and hero["img"]["fetchpriority"] == "high"
    assert (hero["img"]["width"], hero["img"]["height"]) == ("1600", "900")
    assert hero["img"]["decoding"] == "async" and hero["img"]["alt"] == demo.hero_alt_text
    assert hero["img"]["sizes"] == hero["sources"][0]["sizes"] == hero["sources"][1]["sizes"] != ""
    assert [source["type"] for source in hero["sources"]] == ["image/avif", "image/webp"]  # the smallest first
    for source in hero["sources"]:
        assert srcset_widths(source["srcset"]) == [160, 320, 640, 960, 1280, 1600]
    assert srcset_widths(hero["img"]["srcset"]) == [160, 320, 640, 960, 1280, 1600]
    assert all(".avif " in c for c in hero["sources"][0]["srcset"].split(", "))
    assert all(".webp " in c for c in hero["sources"][1]["srcset"].split(", "))
    assert all(".jpg " in c for c in hero["img"]["srcset"].split(", "))

    figures = [p for p in page.pictures if "class" not in p["img"]]
    assert len(figures) == 3
    for figure in figures:
        assert figure["img"]["loading"] == "lazy" and "fetchpriority" not in figure["img"]
        assert (figure["img"]["width"], figure["img"]["height"]) == ("1600", "900")
        assert [source["type"] for source in figure["sources"]] == ["image/avif", "image/webp"]

    cards = page.with_class("product-card__image")
    assert len(cards) == 3
    for card in cards:
        assert card["img"]["loading"] == "lazy" and (card["img"]["width"], card["img"]["height"]) == ("1200", "1200")
        assert srcset_widths(card["img"]["srcset"]) == [160, 320, 640, 960, 1200]
        assert card["img"]["sizes"].startswith("(min-width: 640px) 220px")

    (avatar,) = page.with_class("byline__avatar")
    assert (avatar["img"]["width"], avatar["img"]["height"], avatar["img"]["sizes"]) == ("48", "48", "48px")
    assert srcset_widths(avatar["img"]["srcset"]) == [160, 320]

    # The widths come from each library image's row, recorded by the task the importer's save queued.
    wide = [160, 320, 640, 960, 1280, 1600]
    assert demo.hero_image.file_renditions == {
        "source": demo.hero_image.file.name,
        "jpg": wide,
        "webp": wide,
        "avif": wide,
    }
    assert recorded_widths(demo.author.avatar.file) == {"jpg": [160, 320], "webp": [160, 320], "avif": [160, 320]}
    for section in demo.sections.exclude(figure_image=None):
        assert recorded_widths(section.figure_image.file) == {"jpg": wide, "webp": wide, "avif": wide}

    # The social preview is still the one 1200×630 crop.
    assert f'<meta property="og:image" content="{settings.SITE_URL}{demo.social_image.url}">' in html


def test_product_page_image_is_eager_and_cards_elsewhere_are_lazy(client, db):
    product = make_product(image=image_file("shoe.jpg", width=800, height=600), image_alt="A grey sneaker.")
    detail = Pictures(client.get(product.get_absolute_url()).content.decode())
    (main,) = detail.with_class("product__image")
    assert main["img"]["loading"] == "eager" and main["img"]["fetchpriority"] == "high"
    assert (main["img"]["width"], main["img"]["height"]) == ("800", "600")
    for url in ("/shop/", "/"):
        (card,) = Pictures(client.get(url).content.decode()).with_class("product-card__image")
        assert card["img"]["loading"] == "lazy" and card["img"]["sizes"].startswith("(min-width: 1040px)")
        assert srcset_widths(card["sources"][0]["srcset"]) == [160, 320, 640, 800]


@pytest.mark.parametrize("url, pictures", [("/", 6), ("/shop/", 3), ("/blog/", 3)])
def test_pictures_add_no_queries(client, db, url, pictures):
    """A page with images costs what the same page costs without them."""

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for n in range(3):
        make_article(title=f"Plain {n}")
        make_product(name=f"Plain {n}")
    client.get(url)  # warm, as the page cache's generation-cached parts are in production
    without = count()
    for article in Article.objects.all():
        article.hero_image, article.hero_alt = make_image(image_file(width=400, height=225)), "A trail in the hills."
        article.save()
    for product in Product.objects.all():
        product.image, product.image_alt = make_image(image_file(width=400, height=400)), "A grey sneaker."
        product.save()
    html = client.get(url).content.decode()
    assert html.count("<picture>") == pictures and html.count('type="image/webp"') == pictures
    assert html.count('type="image/avif"') == pictures
    assert count() == without


def test_pictures_list_the_widths_on_the_row_and_look_for_no_file(client, db, monkeypatch):
    product = make_product(image=image_file("shoe.jpg", width=700, height=500), image_alt="A grey sneaker.")
    assert recorded_widths(product.image.file) == {
        "jpg": [160, 320, 640, 700],
        "webp": [160, 320, 640, 700],
        "avif": [160, 320, 640, 700],
    }

    def look_for_a_file(*args, **kwargs):
        raise AssertionError("a page looked for a file")

    monkeypatch.setattr(FileSystemStorage, "exists", look_for_a_file)
    (card,) = Pictures(client.get("/shop/").content.decode()).with_class("product-card__image")
    assert srcset_widths(card["sources"][0]["srcset"]) == [160, 320, 640, 700]
    assert srcset_widths(card["img"]["srcset"]) == [160, 320, 640, 700]

    # AVIF not made yet (the task is at WebP): the formats recorded are offered, AVIF is not.
    LibraryImage.objects.filter(products__isnull=False).update(
        file_renditions={"source": product.image.file.name, "jpg": [320, 700], "webp": [700]}
    )
    (card,) = Pictures(client.get("/shop/").content.decode()).with_class("product-card__image")
    assert [source["type"] for source in card["sources"]] == ["image/webp"]
    assert srcset_widths(card["sources"][0]["srcset"]) == [700] and srcset_widths(card["img"]["srcset"]) == [320, 700]

    # A row from before AVIF lists widths: their WebP and JPEG.
    LibraryImage.objects.filter(products__isnull=False).update(file_renditions=[640, 700])
    (card,) = Pictures(client.get("/shop/").content.decode()).with_class("product-card__image")
    assert [source["type"] for source in card["sources"]] == ["image/webp"]
    assert srcset_widths(card["sources"][0]["srcset"]) == srcset_widths(card["img"]["srcset"]) == [640, 700]

    # A record made for another image names none of this one's files.
    LibraryImage.objects.filter(products__isnull=False).update(
        file_renditions={"source": "products/other.jpg", "jpg": [700], "webp": [700]}
    )
    (card,) = Pictures(client.get("/shop/").content.decode()).with_class("product-card__image")
    assert card["sources"] == [] and card["img"]["src"] == product.image.file.url

    LibraryImage.objects.filter(products__isnull=False).update(file_renditions=[])  # none made: the original is shown
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    (main,) = Pictures(response.content.decode()).with_class("product__image")
    assert main["sources"] == [] and "srcset" not in main["img"]
    assert main["img"]["src"] == product.image.file.url
    assert (main["img"]["width"], main["img"]["height"]) == ("700", "500")


def test_rendition_urls_are_the_storages_own():
    from django.core.files.storage import default_storage

    from core.images import available_renditions

    # Stored names never need quoting (content-addressed); this one does.
    image = LibraryImage(
        file="products/an odd name#1?.jpg", file_width=700, file_height=500, file_renditions=[160, 700]
    )
    found = available_renditions(image.file)
    for ext in ("webp", "jpg"):
        assert found[ext] == [(default_storage.url(rendition_name(image.file.name, w, ext)), w) for w in (160, 700)]
    assert "%20name%231%3F-160w.webp" in found["webp"][0][0]


def test_make_renditions_records_the_files_that_exist(db, settings):
    product = make_product(image=image_file("shoe.jpg", width=700, height=500), image_alt="A grey sneaker.")
    os.remove(product.image.file.path)  # the original is lost: nothing can be made again
    (Path(settings.MEDIA_ROOT) / rendition_name(product.image.file.name, 160, "webp")).unlink()
    call_command("make_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    widths = [160, 320, 640, 700]
    assert recorded_widths(Product.objects.get().image.file) == {"jpg": widths, "webp": widths[1:], "avif": widths}


def test_make_renditions_backfills_missing_files_once(db, settings):
    product = make_product(image=image_file("shoe.jpg", width=700, height=500), image_alt="A grey sneaker.")
    article = make_article(hero_image=image_file("trail.jpg", width=900, height=500), hero_alt="A trail at dawn.")
    expected = rendition_files(settings)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / MEDIA_FILES)
    LibraryImage.objects.filter(products__isnull=False).update(
        file_renditions=[]
    )  # as rows stored before the lists existed
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    # The social 1200×630 crop lives in renditions/ too: it is a stored image, not a rendition, and not remade.
    social = article.social_image.name.removeprefix("renditions/")
    assert rendition_files(settings) == [name for name in expected if name != social]
    assert "Checked 2 image(s); wrote 24 rendition file(s); updated 1 row(s)." in out.getvalue()
    assert recorded_widths(Product.objects.get().image.file)["avif"] == [160, 320, 640, 700]
    assert recorded_widths(Article.objects.get().hero_image.file)["avif"] == [160, 320, 640, 900]
    again = io.StringIO()
    call_command("make_renditions", stdout=again)
    assert "wrote 0 rendition file(s); updated 0 row(s)." in again.getvalue()
    assert product.image.file.name.startswith("products/")


def test_make_renditions_refreshes_cached_pages(client, db, page_cache, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_product(image=image_file("shoe.jpg", width=700, height=500), image_alt="A grey sneaker.")
    LibraryImage.objects.filter(products__isnull=False).update(
        file_renditions=[]
    )  # update() sends no signal: the cached page keeps no srcset
    client.get("/shop/")
    (card,) = Pictures(client.get("/shop/").content.decode()).with_class("product-card__image")
    assert "srcset" not in card["img"]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_renditions", stdout=io.StringIO())
    response = client.get("/shop/")
    assert response["X-Page-Cache"] == "miss"
    (card,) = Pictures(response.content.decode()).with_class("product-card__image")
    assert srcset_widths(card["img"]["srcset"]) == [160, 320, 640, 700]


def test_a_lost_original_is_reported_not_raised(db, settings):
    product = make_product(image=image_file("shoe.jpg", width=300, height=300), image_alt="A grey sneaker.")
    os.remove(product.image.file.path)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / MEDIA_FILES)
    LibraryImage.objects.update(file_renditions=[])  # renditions to make again, from an original that is gone
    image = LibraryImage.objects.get()
    image.save()  # saving still works; the task finds nothing to read
    assert recorded_widths(LibraryImage.objects.get().file) == {"jpg": [], "webp": [], "avif": []}
    err = io.StringIO()
    call_command("make_renditions", stdout=io.StringIO(), stderr=err)
    assert f"cannot read {product.image.file.name}" in err.getvalue()


def test_uploads_are_stored_by_content(db):
    first = make_product(image=image_file("IMG_1.jpg", width=90, height=90), image_alt="A grey sneaker.")
    second = make_product(image=image_file("other-name.jpg", width=90, height=90), image_alt="The same sneaker.")
    assert first.image == second.image  # one library image
    assert len(Path(first.image.file.name).stem) == 20 and first.image.file.name.startswith("products/")
    assert image_bytes(width=90, height=90) == Path(first.image.file.path).read_bytes()


def test_author_page_avatar_is_sized_for_its_96_pixels(client, demo):
    (avatar,) = Pictures(client.get(demo.author.get_absolute_url()).content.decode()).with_class(
        "author-header__avatar"
    )
    assert (avatar["img"]["width"], avatar["img"]["height"], avatar["img"]["sizes"]) == ("96", "96", "96px")
    assert avatar["img"]["alt"] == "KURU Footwear logo" and avatar["sources"][0]["type"] == "image/avif"


def test_picture_escapes_every_attribute(db):
    from core.templatetags.image_tags import picture

    product = make_product(
        image=image_file("quote.jpg", width=400, height=300), image_alt='A "quoted" <b>shoe</b> & co'
    )
    html = picture(product.image.file, product.image_alt, sizes='100vw"><script>', css_class="a&b")
    (found,) = Pictures(html).pictures
    assert found["img"]["alt"] == 'A "quoted" <b>shoe</b> & co' and found["img"]["class"] == "a&b"
    assert found["img"]["sizes"] == found["sources"][0]["sizes"] == '100vw"><script>'
    assert "<script>" not in html and "<b>" not in html
