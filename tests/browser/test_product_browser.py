"""A shopper picks a colour, a size and a width on the product page and buys, in a real Chromium."""

import pytest

from products.models import Click

pytestmark = pytest.mark.browser

MOMENT = "/shop/moment-womens-recovery-slide/"


def _shop(context):
    """The shop's own site is not reachable from tests: answer for it, and keep the addresses asked for."""
    asked = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>KURU shop</title>")

    context.route("https://www.kurufootwear.com/**", answer)
    return asked


def test_swatches_switch_the_gallery_and_sizes_and_buy_opens_the_variant(browser, live_demo):
    context = browser.new_context()
    asked = _shop(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_demo.url + MOMENT)
    assert page.is_visible("#gallery-jet-black") and not page.is_visible("#gallery-sandstone")

    page.click(".swatch[data-name=Sandstone]")
    visible = [g for g in ("jet-black", "sandstone", "coastal-blue") if page.is_visible(f"#gallery-{g}")]
    label = page.inner_text("[data-colour-label]")
    enabled = page.eval_on_selector_all("#buy-variant optgroup:not([disabled])", "gs => gs.map(g => g.label)")
    sold_out = page.eval_on_selector("#buy-variant option[value='MOMW-SANDST-11']", "o => o.disabled")
    page.select_option("#buy-variant", "MOMW-SANDST-8")
    status = page.inner_text("#buy-status")
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()

    assert visible == ["sandstone"] and label == "Sandstone" and enabled == ["Sandstone"] and sold_out
    assert status == "In stock · $79.95"
    assert asked and "variant=momw-sandst-8" in asked[0] and "utm_content=product-page" in asked[0]
    click = Click.objects.get()
    assert (click.product.slug, click.placement) == ("moment-womens-recovery-slide", "product-page")
    assert errors == []


def test_without_javascript_every_colour_is_on_the_page_and_buy_still_works(browser, live_demo):
    context = browser.new_context(java_script_enabled=False)
    asked = _shop(context)
    page = context.new_page()
    page.goto(live_demo.url + MOMENT)
    galleries = [page.is_visible(f"#gallery-{g}") for g in ("jet-black", "sandstone", "coastal-blue")]
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()
    assert galleries == [True, True, True]
    assert asked[0].startswith("https://www.kurufootwear.com/products/moment-womens-recovery-slide")


ATOM = "atom-mens-athletic-sneaker-jet-black-white-fire-red"
SEED = "/blog/can-foot-pain-cause-knee-pain/"


def _journey(browser, live_demo, javascript, query=""):
    context = browser.new_context(java_script_enabled=javascript)
    asked = _shop(context)
    page = context.new_page()
    page.goto(live_demo.url + SEED + query)
    with page.expect_response(lambda response: f"/shop/{ATOM}/" in response.url) as product_page:
        page.click(f"#product-{ATOM}-card-2 a")
    page.wait_for_load_state()
    assert product_page.value.headers["x-page-cache"] == "hit"  # the product's one page, not one per article
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()
    return asked


def test_article_card_title_to_product_page_to_buy_credits_the_article_and_card(browser, live_demo):
    warm = browser.new_context()
    warm.new_page().goto(f"{live_demo.url}/shop/{ATOM}/")  # the product's one cached page
    warm.close()
    asked = _journey(browser, live_demo, javascript=True)
    click = Click.objects.get()
    assert (click.article.slug, click.placement) == ("can-foot-pain-cause-knee-pain", "card-2")
    assert "utm_campaign=can-foot-pain-cause-knee-pain" in asked[0] and "utm_content=card-2" in asked[0]
    assert "utm_medium=product-page" in asked[0]


def test_the_same_journey_without_javascript_is_credited_too(browser, live_demo):
    warm = browser.new_context()
    warm.new_page().goto(f"{live_demo.url}/shop/{ATOM}/")
    warm.close()
    _journey(browser, live_demo, javascript=False)
    click = Click.objects.get()
    assert (click.article.slug, click.placement) == ("can-foot-pain-cause-knee-pain", "card-2")


def test_from_a_newsletter_issue_the_same_journey_credits_the_issue_too(browser, live_demo):
    """The article opened from an issue's email (newsletter:read adds these tags) keeps the issue as campaign."""
    warm = browser.new_context()
    warm.new_page().goto(f"{live_demo.url}/shop/{ATOM}/")
    warm.close()
    email = "?utm_source=kuru-newsletter&utm_medium=email&utm_campaign=december&utm_content=knee-pain"
    asked = _journey(browser, live_demo, javascript=True, query=email)
    click = Click.objects.get()
    assert (click.article.slug, click.placement, click.campaign) == (
        "can-foot-pain-cause-knee-pain",
        "card-2",
        "december",
    )
    assert "utm_campaign=can-foot-pain-cause-knee-pain" in asked[0]
