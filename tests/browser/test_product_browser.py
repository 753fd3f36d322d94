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


def _options(page):
    return page.eval_on_selector_all(
        "#buy-size option", "os => os.filter(o => o.value).map(o => [o.value, o.disabled, o.textContent])"
    )


def test_swatches_switch_the_gallery_and_mark_the_sizes_sold_out_in_that_colour(browser, live_demo):
    context = browser.new_context()
    asked = _shop(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_demo.url + MOMENT)
    assert page.is_visible("#gallery-jet-black") and not page.is_visible("#gallery-sandstone")
    assert ["11", False, "11"] in _options(page)  # in stock in Jet Black

    page.click(".swatch[data-name=Sandstone]")
    visible = [g for g in ("jet-black", "sandstone", "coastal-blue") if page.is_visible(f"#gallery-{g}")]
    label = page.inner_text("[data-colour-label]")
    sandstone = _options(page)
    page.select_option("#buy-size", "8")
    status = page.inner_text("#buy-status")
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()

    assert visible == ["sandstone"] and label == "Sandstone"
    assert ["11", True, "11 — sold out"] in sandstone and ["8", False, "8"] in sandstone
    assert status == "In stock · $79.95"
    assert asked and "variant=momw-sandst-8" in asked[0] and "utm_content=product-page" in asked[0]
    click = Click.objects.get()
    assert (click.product.slug, click.placement) == ("moment-womens-recovery-slide", "product-page")
    assert errors == []


def test_without_javascript_every_colour_is_on_the_page_and_the_form_buys_the_variant(browser, live_demo):
    context = browser.new_context(java_script_enabled=False)
    asked = _shop(context)
    page = context.new_page()
    page.goto(live_demo.url + MOMENT)
    galleries = [page.is_visible(f"#gallery-{g}") for g in ("jet-black", "sandstone", "coastal-blue")]
    page.click(".swatch[data-name='Coastal Blue']")
    page.select_option("#buy-size", "7")
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()
    assert galleries == [True, True, True]
    assert asked[0].startswith(
        "https://www.kurufootwear.com/products/moment-womens-recovery-slide?variant=momw-coasta-7"
    )


ATOM = "atom-mens-athletic-sneaker-jet-black-white-fire-red"
SEED = "/blog/can-foot-pain-cause-knee-pain/"


def _journey(browser, live_demo, javascript, size="9", width="Regular", query=""):
    context = browser.new_context(java_script_enabled=javascript)
    asked = _shop(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_demo.url + SEED + query)
    with page.expect_response(lambda response: f"/shop/{ATOM}/" in response.url) as product_page:
        page.click(f"#product-{ATOM}-card-2 a")
    page.wait_for_load_state()
    assert product_page.value.headers["x-page-cache"] == "hit"  # the product's one page, not one per article
    page.check(f"input[name=width][value={width}]")
    page.select_option("#buy-size", size)
    page.click("[data-buy-link]")
    page.wait_for_url("https://www.kurufootwear.com/**")
    context.close()
    assert errors == []
    return asked


def test_article_card_title_to_product_page_size_and_width_to_buy_credits_the_article_card_and_variant(
    browser, live_demo
):
    warm = browser.new_context()
    warm.new_page().goto(f"{live_demo.url}/shop/{ATOM}/")  # the product's one cached page
    warm.close()
    asked = _journey(browser, live_demo, javascript=True, size="9.5", width="Wide")
    click = Click.objects.get()
    assert (click.article.slug, click.placement) == ("can-foot-pain-cause-knee-pain", "card-2")
    assert "utm_campaign=can-foot-pain-cause-knee-pain" in asked[0] and "utm_content=card-2" in asked[0]
    assert "utm_medium=product-page" in asked[0] and "variant=atom-jet-bl-95w" in asked[0]


def test_the_same_journey_without_javascript_is_credited_too(browser, live_demo):
    warm = browser.new_context()
    warm.new_page().goto(f"{live_demo.url}/shop/{ATOM}/")
    warm.close()
    asked = _journey(browser, live_demo, javascript=False, size="10.5", width="Wide")
    click = Click.objects.get()
    assert (click.article.slug, click.placement) == ("can-foot-pain-cause-knee-pain", "card-2")
    assert "variant=atom-jet-bl-105w" in asked[0]


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


def test_a_width_sold_out_in_the_chosen_size_is_disabled_and_says_so(browser, live_demo):
    page = browser.new_page()
    page.goto(f"{live_demo.url}/shop/{ATOM}/")
    page.select_option("#buy-size", "7")
    wide = page.eval_on_selector("input[name=width][value=Wide]", "r => [r.disabled, r.parentNode.textContent.trim()]")
    page.select_option("#buy-size", "8")
    wide_in_8 = page.eval_on_selector("input[name=width][value=Wide]", "r => r.disabled")
    page.check("input[name=width][value=Wide]")
    fourteen = page.eval_on_selector("#buy-size option[value='14']", "o => [o.disabled, o.textContent]")
    page.close()
    assert wide == [True, "Wide — sold out"] and wide_in_8 is False
    assert fourteen == [True, "14 — sold out"]
