"""A shopper rates a shoe on its cached product page, with and without JavaScript."""

import pytest

from products.models import Rating

pytestmark = pytest.mark.browser

PRODUCT_PATH = "/shop/quantum-2-0-womens-sneaker-pewter-night-sky/"


def _fill(page):
    page.check("#rating-stars_1")  # 4 stars
    page.fill("#rating-reviewer_name", "Jo")
    page.fill("#rating-title", "Soft landing")
    page.fill("#rating-text", "My heels thank me.")


def test_rating_with_javascript_on_a_cached_page(browser, live_demo):
    first = browser.new_context()
    first.new_page().goto(live_demo.url + PRODUCT_PATH)  # warms the cache
    second = browser.new_context()
    page = second.new_page()
    response = page.goto(live_demo.url + PRODUCT_PATH)
    assert response.headers["x-page-cache"] == "hit"
    assert page.locator('#rate input[name="csrfmiddlewaretoken"]').get_attribute("value") == ""
    _fill(page)
    page.click("#rate button[type=submit]")
    page.wait_for_url("**?review=thanks#rate")
    thanks = page.locator("#rate [role=status]").inner_text()
    first.close()
    second.close()

    assert "will appear here once our team has reviewed it" in thanks
    rating = Rating.objects.get(reviewer_name="Jo")
    assert (rating.stars, rating.title, rating.status) == (4, "Soft landing", "pending")


def test_rating_without_javascript(browser, live_demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_demo.url + PRODUCT_PATH)
    _fill(page)
    page.click("#rate button[type=submit]")
    # The cached page had no token: the form comes back as typed, with one.
    notice = page.locator("[role=alert]").inner_text()
    kept = (page.input_value("#rating-title"), page.is_checked("#rating-stars_1"))
    page.click("#rate button[type=submit]")
    page.wait_for_url("**?review=thanks#rate")
    context.close()

    assert "press Send rating once more" in notice and kept == ("Soft landing", True)
    assert Rating.objects.filter(reviewer_name="Jo", status="pending").count() == 1
