"""Attribution on every path: article card -> product page -> Buy is credited to the article and card."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from products.models import Click

ATOM = "atom-mens-athletic-sneaker-jet-black-white-fire-red"
SEED = "can-foot-pain-cause-knee-pain"
FROM_CARD = f"/shop/{ATOM}/?article={SEED}&placement=card-2"


def test_card_title_and_image_link_to_the_product_page_with_article_and_card(client, demo):
    html = client.get(f"/blog/{SEED}/").content.decode()
    link = f'href="/shop/{ATOM}/?article={SEED}&amp;placement=card-2"'
    assert html.count(link) == 2  # the title, and the picture (hidden from keyboards: the title is the same link)
    assert f'<a class="product-card__image-link" {link} tabindex="-1" aria-hidden="true">' in html
    shop = client.get("/shop/").content.decode()
    assert f'<a href="/shop/{ATOM}/">' in shop and "article=" not in shop


def test_the_product_page_from_a_card_is_the_products_one_cached_page(client, demo, page_cache):
    assert client.get(f"/shop/{ATOM}/")["X-Page-Cache"] == "miss"
    from_card = client.get(FROM_CARD)
    assert from_card["X-Page-Cache"] == "hit"
    assert from_card.content == client.get(f"/shop/{ATOM}/").content
    assert client.get(f"/shop/{ATOM}/?article=another-article&placement=card-7")["X-Page-Cache"] == "hit"
    # From an article a newsletter issue linked to (static/js/campaign.js adds the issue).
    from_email = client.get(FROM_CARD + "&campaign=december-issue")
    assert from_email["X-Page-Cache"] == "hit" and from_email.content == from_card.content
    # Values no link of ours writes are not cached at all.
    assert "X-Page-Cache" not in client.get(f"/shop/{ATOM}/?article=%3Cscript%3E")
    assert "X-Page-Cache" not in client.get(f"/shop/{ATOM}/?placement=CARD%202")
    assert "X-Page-Cache" not in client.get(f"/shop/{ATOM}/?campaign=%3Cscript%3E")


def _redirect(response):
    return parse_qs(urlsplit(response["Location"]).query)


def test_buy_link_carrying_the_article_credits_it_and_the_card(client, demo):
    response = client.get(f"/go/{ATOM}/", {"placement": "product-page", "article": SEED, "card": "card-2"})
    click = Click.objects.get()
    assert (click.article, click.placement) == (demo, "card-2")
    query = _redirect(response)
    assert query["utm_medium"] == ["product-page"] and query["utm_campaign"] == [SEED]
    assert query["utm_content"] == ["card-2"]


def test_without_javascript_the_product_pages_address_credits_the_article(client, demo):
    client.get(f"/go/{ATOM}/", {"placement": "product-page"}, HTTP_REFERER=f"http://testserver{FROM_CARD}")
    click = Click.objects.get()
    assert (click.article, click.placement) == (demo, "card-2")


def test_a_referer_from_elsewhere_credits_nothing(client, demo):
    client.get(f"/go/{ATOM}/", {"placement": "product-page"}, HTTP_REFERER=f"https://evil.example{FROM_CARD}")
    client.get(
        f"/go/{ATOM}/",
        {"placement": "product-page"},
        HTTP_REFERER=f"http://testserver/shop/quantum-2-0-womens-sneaker-pewter-night-sky/?article={SEED}",
    )
    client.get(f"/go/{ATOM}/", {"placement": "product-page"})
    assert list(Click.objects.values_list("article", "placement")) == [(None, "product-page")] * 3


def test_a_draft_never_gets_credit_through_the_product_page(client, demo):
    demo.status = demo.Status.DRAFT
    demo.save()
    client.get(f"/go/{ATOM}/", {"placement": "product-page", "article": SEED, "card": "card-2"})
    assert Click.objects.get().article is None


def test_the_buy_form_without_javascript_credits_the_article_for_the_variant_it_names(client, demo):
    form = {"placement": "product-page", "colour": "Jet Black-White-Fire Red", "size": "8.5", "width": "Wide"}
    response = client.get(f"/go/{ATOM}/", form, HTTP_REFERER=f"http://testserver{FROM_CARD}")
    assert response.status_code == 302
    assert response["Location"].startswith("https://www.kurufootwear.com/products/atom-mens-athletic-sneaker?")
    assert _redirect(response)["variant"] == ["atom-jet-bl-85w"] and _redirect(response)["utm_content"] == ["card-2"]
    click = Click.objects.get()
    assert (click.article, click.placement) == (demo, "card-2")


def test_a_sold_out_choice_offers_the_sizes_in_stock_and_counts_nothing(client, demo):
    form = {"placement": "product-page", "colour": "Jet Black-White-Fire Red", "size": "7", "width": "Wide"}
    response = client.get(f"/go/{ATOM}/", form, HTTP_REFERER=f"http://testserver{FROM_CARD}")
    html = response.content.decode()
    assert response.status_code == 200 and not Click.objects.exists()
    assert "<h1>Size 7, Wide in Jet Black-White-Fire Red is sold out</h1>" in html
    links = re.findall(r'href="(/go/[^"]+)"[^>]*>Buy size ([^<]+)<', html)
    assert links[0] == (
        f"/go/{ATOM}/?placement=product-page&amp;article={SEED}&amp;card=card-2&amp;variant=ATOM-JET-BL-75W",
        "7.5, Wide",
    )
    assert [size for _, size in links][-1] == "13, Wide"  # 13W is on backorder: orderable; 14W is out of stock
    bought = client.get(links[0][0].replace("&amp;", "&"))
    assert _redirect(bought)["variant"] == ["atom-jet-bl-75w"]
    assert list(Click.objects.values_list("article__slug", "placement")) == [(SEED, "card-2")]


def test_a_choice_the_feed_does_not_list_is_answered_too(client, demo):
    form = {"placement": "product-page", "colour": "Jet Black-White-Fire Red", "size": "<b>99</b>", "width": "Wide"}
    response = client.get(f"/go/{ATOM}/", form)
    assert response.status_code == 200 and "Size &lt;b&gt;99&lt;/b&gt;, Wide" in response.content.decode()
    assert not Click.objects.exists()


@pytest.mark.parametrize("placement", ["product-page", "card-1"])
def test_a_malformed_referer_is_ignored_and_the_shopper_still_reaches_the_shop(client, demo, placement):
    from products.models import Product

    product = Product.objects.active().first()
    response = client.get(f"/go/{product.slug}/?placement={placement}", HTTP_REFERER="http://[::1")
    assert response.status_code == 302
