import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from products.models import Click, Product
from tests.factories import make_article, make_product

ATOM = "atom-mens-athletic-sneaker-jet-black-white-fire-red"
SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"


def test_product_page_shows_everything_a_shopper_needs(client, demo):
    response = client.get(f"/shop/{ATOM}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="product__name">ATOM Men&#x27;s Athletic Sneaker</h1>' in html
    assert "Color: Jet Black-White-Fire Red" in html
    assert "(1,379) Ratings" in html and 'aria-label="Rated 4.6 out of 5 stars"' in html
    assert f'<form class="buy" action="/go/{ATOM}/" method="get" data-buy>' in html
    assert "Recommended in" in html and f'href="{SEED_URL}"' in html


def test_product_json_ld_matches_the_page(client, demo):
    html = client.get(f"/shop/{ATOM}/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Product" and data["name"] == "ATOM Men's Athletic Sneaker in Jet Black-White-Fire Red"
    assert data["aggregateRating"]["reviewCount"] == 1379 and data["aggregateRating"]["ratingValue"] == "4.6"
    assert data["offers"]["@type"] == "AggregateOffer"  # the demo feed's 26 sizes and widths


def test_article_json_ld_does_not_repeat_product_markup(client, demo):
    html = client.get(SEED_URL).content.decode()
    assert '"@type": "Product"' not in html


def test_inactive_products_are_gone_or_missing(client, db):
    retired = make_product(slug="retired")
    retired.is_active = False
    retired.save()
    assert client.get("/shop/retired/").status_code == 410
    never = make_product(slug="never-sold", is_active=False)
    assert not never.was_published
    assert client.get("/shop/never-sold/").status_code == 404
    assert client.get("/shop/no-such-shoe/").status_code == 404


def test_cards_link_through_go_with_article_and_position(client, demo):
    html = client.get(SEED_URL).content.decode()
    assert f'href="/go/{ATOM}/?article=can-foot-pain-cause-knee-pain&amp;placement=card-2"' in html


def _location(response):
    parts = urlsplit(response["Location"])
    return parts, parse_qs(parts.query)


def test_go_redirects_with_utm_and_records_the_click(client, demo):
    response = client.get(
        f"/go/{ATOM}/",
        {"article": "can-foot-pain-cause-knee-pain", "placement": "card-2"},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
    )
    assert response.status_code == 302
    parts, query = _location(response)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "www.kurufootwear.com",
        "/products/atom-mens-athletic-sneaker",
    )
    assert query["variant"] == ["jet-black-white-fire-red"]  # the shop URL's own query is kept
    assert query["utm_source"] == ["kuru-blog"] and query["utm_medium"] == ["product-card"]
    assert query["utm_campaign"] == ["can-foot-pain-cause-knee-pain"] and query["utm_content"] == ["card-2"]
    click = Click.objects.get()
    assert (click.product.slug, click.article, click.placement, click.is_bot) == (ATOM, demo, "card-2", False)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_existing_utm_in_shop_url_is_replaced_not_duplicated(client, db):
    make_product(slug="tagged", shop_url="https://shop.example.com/p?utm_source=old&size=9")
    parts, query = _location(client.get("/go/tagged/", {"placement": "shop"}, HTTP_USER_AGENT="Mozilla/5.0"))
    assert query["utm_source"] == ["kuru-blog"] and query["size"] == ["9"] and query["utm_campaign"] == ["none"]


def test_bots_are_counted_apart(client, demo):
    client.get(f"/go/{ATOM}/", HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    client.get(f"/go/{ATOM}/")  # no user agent at all
    assert list(Click.objects.values_list("is_bot", flat=True)) == [True, True]


@pytest.mark.parametrize(
    "path",
    ["/go/no-such-shoe/", "/go/retired/", "/go//evil.example/", "/go/%2F%2Fevil.example/", "/go/https:evil.example/"],
)
def test_go_never_redirects_anywhere_else(client, db, path):
    retired = make_product(slug="retired")
    retired.is_active = False
    retired.save()
    response = client.get(path)
    assert response.status_code == 404
    assert Click.objects.count() == 0


def test_go_ignores_a_hostile_article_parameter(client, demo):
    response = client.get(f"/go/{ATOM}/", {"article": "//evil.example/<script>", "placement": "x<y>"})
    parts, query = _location(response)
    assert (
        parts.netloc == "www.kurufootwear.com" and query["utm_campaign"] == ["none"] and query["utm_content"] == ["xy"]
    )


def test_a_click_that_cannot_be_stored_still_redirects(client, demo, monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Click.objects, "create", broken)
    assert client.get(f"/go/{ATOM}/").status_code == 302


def test_sitemap_lists_active_products(client, demo):
    retired = make_product(slug="retired-shoe")
    retired.is_active = False
    retired.save()
    xml = client.get("/sitemap.xml").content.decode()
    assert f"http://127.0.0.1:8000/shop/{ATOM}/" in xml and "retired-shoe" not in xml


def test_product_page_is_page_cached_and_refreshed_on_change(
    client, demo, page_cache, django_capture_on_commit_callbacks
):
    assert client.get(f"/shop/{ATOM}/")["X-Page-Cache"] == "miss"
    assert client.get(f"/shop/{ATOM}/")["X-Page-Cache"] == "hit"
    product = Product.objects.get(slug=ATOM)
    product.rating_count = 1400
    with django_capture_on_commit_callbacks(execute=True):
        product.save()
    assert "(1,400) Ratings" in client.get(f"/shop/{ATOM}/").content.decode()


def test_recommended_in_lists_only_published_articles(client, demo):
    from articles.models import Article, ProductCard

    draft = make_article(title="Draft mentioning ATOM", status=Article.Status.DRAFT, sections=1)
    ProductCard.objects.create(article=draft, section=draft.sections.get(), product=Product.objects.get(slug=ATOM))
    assert "Draft mentioning ATOM" not in client.get(f"/shop/{ATOM}/").content.decode()


def test_shop_filters_and_sorts_with_plain_links_that_keep_each_other(client, db):
    make_product(
        name="Slide A", slug="slide-a", category="sandals", gender="women", rating_count=10, rating_average="4.90"
    )
    make_product(
        name="Sneaker B", slug="sneaker-b", category="sneakers", gender="women", rating_count=500, rating_average="4.10"
    )
    make_product(name="Boot C", slug="boot-c", category="boots", gender="men", rating_count=50, rating_average="4.50")
    html = client.get("/shop/women/", {"category": "sandals"}).content.decode()
    assert "Slide A" in html and "Sneaker B" not in html and "Boot C" not in html
    # The gender links keep the style filter; the style links keep the sort.
    assert 'href="/shop/men/?category=sandals"' in html
    html = client.get("/shop/", {"sort": "top-rated", "category": "sneakers"}).content.decode()
    assert 'href="?category=boots&amp;sort=top-rated"' in html.replace("&amp;", "&amp;")
    top = client.get("/shop/", {"sort": "top-rated"}).content.decode()
    assert top.index("Slide A") < top.index("Boot C") < top.index("Sneaker B")
    most = client.get("/shop/").content.decode()
    assert most.index("Sneaker B") < most.index("Boot C") < most.index("Slide A")
    newest = client.get("/shop/", {"sort": "newest"}).content.decode()
    assert newest.index("Boot C") < newest.index("Slide A")
    # Nonsense values fall back to the defaults instead of failing.
    assert client.get("/shop/", {"sort": "'; DROP", "category": "<x>"}).status_code == 200
