"""The product page a shopper expects: price, sizes, stock, colours, gallery, rating breakdown, reviews."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import Rating
from tests.factories import make_article, make_product, make_product_image, make_variant


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


@pytest.fixture
def shoe(db):
    """A sneaker in two colours, three sizes and two widths: one on sale, one out of stock, one on backorder."""
    product = make_product(slug="shoe", name="QUANTUM Women's Sneaker", colorway="")
    make_variant(product, offer_id="P-8", colour="Pewter", size="8", price="169.95")
    make_variant(product, offer_id="P-8W", colour="Pewter", size="8", width="Wide", price="169.95", sale_price="139.95")
    make_variant(product, offer_id="P-9", colour="Pewter", size="9", price="169.95", availability="out_of_stock")
    make_variant(product, offer_id="S-8", colour="Sky", size="8", price="174.95", availability="backorder")
    for colour in ("Pewter", "Pewter", "Sky"):
        make_product_image(product, colour=colour, image_alt=f"The sneaker in {colour}.")
    return product


def test_price_sale_sizes_and_stock_per_variant(client, shoe):
    html = client.get("/shop/shoe/").content.decode()
    price = re.search(r'<p class="product__price" data-price>(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(
        r'\s*<span class="product__from">From</span>\s*<del><span class="visually-hidden">Was </span>\$169.95</del>\s*'
        r'<ins class="product__sale"><span class="visually-hidden">now </span>\$139.95</ins>\s*',
        price,
    )
    # Size and width are chosen apart; a size no colour or width has in stock is sold out for everyone.
    sizes = re.search(r'<select class="buy__select" id="buy-size" name="size" required[^>]*>(.*?)</select>', html, re.S)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", sizes.group(1)) == ["Choose your size", "8", "9 — sold out"]
    assert '<option value="9" disabled>' in sizes.group(1)
    widths = re.findall(r'<input type="radio" name="width" value="([^"]*)"( checked)?', html)
    assert widths == [("Regular", " checked"), ("Wide", "")]
    # Each variant's price and stock, in a table readable without JavaScript.
    rows = dict(re.findall(r'<tr data-offer="([^"]+)"[^>]*>(.*?)</tr>', html, re.S))
    cells = {offer: re.sub(r"<[^>]+>", "", row) for offer, row in rows.items()}
    assert cells == {
        "P-8": "Pewter8Regular$169.95In stock",
        "P-8W": "Pewter8WideWas $169.95 now $139.95In stock",
        "P-9": "Pewter9Regular$169.95Out of stock",
        "S-8": "Sky8Regular$174.95Backorder: ships later",
    }
    # And for product.js, which marks the sizes and widths of the chosen colour.
    data = json.loads(re.search(r'<script id="buy-variants" type="application/json">(.*?)</script>', html).group(1))
    assert data[1] == {
        "id": "P-8W",
        "colour": "Pewter",
        "size": "8",
        "width": "Wide",
        "buyable": True,
        "summary": "In stock · $139.95 (was $169.95)",
    }
    assert [v["buyable"] for v in data] == [True, True, False, True]


def test_buy_is_a_get_form_to_go_and_the_shop_may_receive_it(client, shoe, settings):
    response = client.get("/shop/shoe/")
    html = response.content.decode()
    assert '<form class="buy" action="/go/shoe/" method="get" data-buy>' in html
    assert '<input type="hidden" name="placement" value="product-page">' in html
    assert '<button class="button" type="submit" data-buy-link>Buy at KURU' in html
    # /go/ redirects to the shop: browsers check a form's redirects against form-action.
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["form-action"] == "'self' " + " ".join(settings.SHOP_ORIGINS)


def test_colour_swatches_are_radio_buttons_beside_each_colours_gallery(client, shoe):
    html = client.get("/shop/shoe/").content.decode()
    assert re.findall(r'<label class="swatch" data-colour="([a-z-]+)"', html) == ["pewter", "sky"]
    assert re.findall(r'<input class="visually-hidden" type="radio" name="colour" value="(\w+)"( checked)?', html) == [
        ("Pewter", " checked"),
        ("Sky", ""),
    ]
    pewter = html[html.index('id="gallery-pewter"') : html.index('id="gallery-sky"')]
    assert pewter.count('alt="The sneaker in Pewter."') == 2 and "in Sky" not in pewter
    assert 'href="#photo-pewter-2"' in pewter  # thumbnails, as links: no script needed
    assert '<script src="/static/js/product.js" defer></script>' in html


def test_json_ld_offers_come_from_the_same_variant_rows(client, shoe):
    html = client.get("/shop/shoe/").content.decode()
    offers = json_ld(html)["offers"]
    assert (offers["@type"], offers["lowPrice"], offers["highPrice"], offers["offerCount"]) == (
        "AggregateOffer",
        "139.95",
        "174.95",
        4,
    )
    assert offers["priceCurrency"] == "USD" and offers["availability"] == "https://schema.org/InStock"
    by_sku = {offer["sku"]: offer for offer in offers["offers"]}
    assert by_sku["P-8W"]["price"] == "139.95" and by_sku["P-8W"]["priceSpecification"]["price"] == "169.95"
    assert by_sku["P-9"]["availability"] == "https://schema.org/OutOfStock"
    assert by_sku["S-8"]["availability"] == "https://schema.org/BackOrder"
    # Every offer the JSON-LD states is a row of the page's stock table, with its price and stock.
    shown = {"https://schema.org/InStock": "In stock", "https://schema.org/OutOfStock": "Out of stock"}
    shown["https://schema.org/BackOrder"] = "Backorder: ships later"
    for offer in offers["offers"]:
        row = re.search(rf'<tr data-offer="{offer["sku"]}"[^>]*>(.*?)</tr>', html, re.S).group(1)
        assert f"<td>{offer['name'].split(' / ')[1]}</td>" in row
        assert f"${offer['price']}</td>" in row and f"<td>{shown[offer['availability']]}</td>" in row


def test_one_variant_is_a_single_offer(client, db):
    product = make_product(slug="single")
    make_variant(product, offer_id="ONE", price="89.99", currency="EUR", availability="preorder")
    html = client.get("/shop/single/").content.decode()
    offer = json_ld(html)["offers"]
    assert (offer["@type"], offer["price"], offer["priceCurrency"], offer["availability"]) == (
        "Offer",
        "89.99",
        "EUR",
        "https://schema.org/PreOrder",
    )
    assert "€89.99" in html


def _ratings(product, stars_and_text, verified=()):
    now = timezone.now()
    for index, (stars, text) in enumerate(stars_and_text):
        rating = Rating(
            product=product,
            stars=stars,
            text=text,
            reviewer_name=f"Reviewer {index}",
            status=Rating.Status.APPROVED,
            is_verified_purchase=index in verified,
        )
        rating.save(refresh_aggregate=False)
        Rating.objects.filter(pk=rating.pk).update(created_at=now - timedelta(days=index))
    type(product).refresh_rating(product.pk)


def test_rating_breakdown_counts_every_approved_rating(client, shoe):
    _ratings(shoe, [(5, ""), (5, "Great."), (4, ""), (1, "Too narrow.")])
    Rating.objects.create(product=shoe, stars=2, reviewer_name="Pending", status=Rating.Status.PENDING)
    html = client.get("/shop/shoe/").content.decode()
    rows = re.findall(
        r'<th scope="row">(\d) stars?</th>\s*<td class="breakdown__bar">.*?"breakdown__fill" width="(\d+)".*?'
        r'<span class="visually-hidden">(\d+)%</span></td>\s*<td class="breakdown__count">([\d,]+)</td>',
        html,
        re.S,
    )
    assert rows == [
        ("5", "50", "50", "2"),
        ("4", "25", "25", "1"),
        ("3", "0", "0", "0"),
        ("2", "0", "0", "0"),
        ("1", "25", "25", "1"),
    ]
    assert "3.8</span> out of 5, from 4 ratings" in html  # (5 + 5 + 4 + 1) / 4


def test_reviews_are_paginated_and_sortable(client, shoe):
    # 12 written reviews, newest first: stars 1, 2, 3, 4, 5, 1, 2, ...
    _ratings(shoe, [(index % 5 + 1, f"Review number {index}.") for index in range(12)], verified={0})
    newest = client.get("/shop/shoe/").content.decode()
    assert re.findall(r"Review number (\d+)\.", newest) == [str(i) for i in range(10)]
    assert "Showing 1–10 of 12 written reviews" in newest
    assert 'href="?page=2#reviews"' in newest
    assert newest.count("✓ Verified buyer") == 1
    second = client.get("/shop/shoe/", {"page": 2}).content.decode()
    assert re.findall(r"Review number (\d+)\.", second) == ["10", "11"]
    highest = client.get("/shop/shoe/", {"reviews": "highest"}).content.decode()
    assert re.findall(r"Review number (\d+)\.", highest)[:3] == ["4", "9", "3"]  # 5, 5, then the newest 4
    assert 'href="?reviews=highest&amp;page=2#reviews"' in highest
    lowest = client.get("/shop/shoe/", {"reviews": "lowest"}).content.decode()
    assert re.findall(r"Review number (\d+)\.", lowest)[:3] == ["0", "5", "10"]
    assert client.get("/shop/shoe/", {"reviews": "nonsense"}).status_code == 200
    assert client.get("/shop/shoe/", {"page": 3}).status_code == 404
    assert client.get("/shop/shoe/", {"page": "x"}).status_code == 404


PAGE_QUERIES = 7  # product; variants; images; star counts; review count; review page; recommending articles


def test_product_page_query_count_does_not_grow_with_variants_or_images(client, shoe, django_assert_num_queries):
    _ratings(shoe, [(5, "Nice.")])
    client.get("/shop/shoe/")
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/shop/shoe/").status_code == 200
    for size in range(10, 16):
        make_variant(shoe, colour="Sky", size=str(size))
        make_product_image(shoe, colour="Sky")
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/shop/shoe/").content.decode()
    assert len(captured) == PAGE_QUERIES and '<option value="15">15</option>' in html


def test_review_sorts_and_pages_are_page_cached_and_made_up_values_are_not(client, shoe, page_cache):
    _ratings(shoe, [(index % 5 + 1, f"Review {index}.") for index in range(12)])
    for query in ("?reviews=highest", "?reviews=lowest&page=2", "?page=2"):
        assert client.get(f"/shop/shoe/{query}")["X-Page-Cache"] == "miss"
        assert client.get(f"/shop/shoe/{query}")["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in client.get("/shop/shoe/?reviews=flood1")


def test_shop_grid_badges_only_products_an_article_recommends(client, db):
    picked = make_product(name="Picked Sneaker", slug="picked", is_recommended=True)
    make_product(name="Plain Sneaker", slug="plain", is_recommended=True)
    article = make_article(sections=1)
    article.product_cards.create(section=article.sections.get(), product=picked)
    html = client.get("/shop/").content.decode()
    assert html.count("Recommended Product</span>") == 1
    card = html[html.index('id="product-picked-shop"') - 400 : html.index('id="product-picked-shop"')]
    assert "Recommended Product" in card
    # A draft's card recommends nothing yet.
    from articles.models import Article

    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert "Recommended Product</span>" not in client.get("/shop/").content.decode()


def test_card_shows_from_price_and_out_of_stock(client, db):
    make_product(slug="range", price="129.95", price_varies=True, currency="USD")
    make_product(slug="gone", price="89.00", availability="out_of_stock")
    html = client.get("/shop/").content.decode()
    assert '<span class="product-card__price">From $129.95</span>' in html
    assert '<span class="product-card__stock">Out of stock</span>' in html


def test_buy_sends_the_chosen_variant_to_its_own_shop_link(client, shoe):
    response = client.get("/go/shoe/", {"variant": "P-8W", "placement": "product-page"})
    assert response["Location"].startswith(f"https://shop.example.com/p/{shoe.pk}?variant=")
    assert "utm_medium=product-page" in response["Location"]
    assert "variant" in response["Location"]
    unknown = client.get("/go/shoe/", {"variant": "NOPE", "placement": "product-page"})
    assert unknown["Location"].startswith(shoe.shop_url)


@pytest.mark.parametrize(
    "amount, currency, shown",
    [("1234.5", "USD", "$1,234.50"), ("89.99", "EUR", "€89.99"), ("89.99", "CHF", "89.99 CHF"), (None, "USD", "")],
)
def test_money_writes_amounts_as_shoppers_read_them(amount, currency, shown):
    from decimal import Decimal

    from products.templatetags.products_tags import money

    assert money(Decimal(amount) if amount else None, currency) == shown
