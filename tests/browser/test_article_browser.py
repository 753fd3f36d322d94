"""The seed article in a real Chromium, as a reader on a phone and on a desktop sees it."""

import re

import pytest

pytestmark = pytest.mark.browser

SEED_PATH = "/blog/can-foot-pain-cause-knee-pain/"


@pytest.mark.parametrize("width", [360, 1280])
def test_reader_sees_title_card_and_opens_an_faq(browser, live_demo, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_demo.url + SEED_PATH)

    title = page.locator("h1")
    assert title.inner_text() == "Can Foot Pain Cause Knee Pain? Here’s How To Protect Yourself"
    assert title.is_visible()

    card = page.locator(".product-card").filter(has_text="ATOM Men's Athletic Sneaker")
    card.scroll_into_view_if_needed()
    assert card.is_visible()
    assert "(1,379) Ratings" in card.inner_text()
    image = card.locator("img.product-card__image")
    loaded = image.evaluate(
        "img => img.complete && img.naturalWidth ? img.currentSrc"
        " : new Promise(done => img.addEventListener('load', () => done(img.currentSrc)))"
    )
    # The browser picked an AVIF rendition (the first <source>) wide enough for the card, not the 1200-pixel original.
    chosen = re.search(r"/media/renditions/products/\w+-(\d+)w\.avif$", loaded)
    assert chosen, loaded
    displayed = image.evaluate("img => img.getBoundingClientRect().width")
    assert displayed <= int(chosen.group(1)) < 1200
    # The <picture> wrapper adds no box of its own (no gap under the image).
    assert card.locator("picture").evaluate(
        "p => p.getBoundingClientRect().height === p.querySelector('img').getBoundingClientRect().height"
    )

    answer = page.get_by_text("Podiatrists recommend replacing footwear every 300–500 miles")
    assert not answer.is_visible()
    page.get_by_text("How often should I replace my shoes to prevent foot and knee pain?").click()
    assert answer.is_visible()

    # Nothing sideways-scrolls on a phone, and no request leaves the site.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert requests and all(url.startswith(live_demo.url) for url in requests)
    page.close()


def test_keyboard_user_can_skip_to_content_and_open_faq(browser, live_demo):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_demo.url + SEED_PATH)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    summary = page.locator("summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").first.get_attribute("open") is not None
    page.close()


def test_signup_in_place_with_javascript_on_a_cached_page(browser, live_demo):
    """Visitor A warms the cache; visitor B gets the cached bytes and subscribes without a page load."""
    first = browser.new_context()
    first.new_page().goto(live_demo.url + SEED_PATH)
    second = browser.new_context()
    page = second.new_page()
    response = page.goto(live_demo.url + SEED_PATH)
    assert response.headers["x-page-cache"] == "hit"
    assert page.locator('#newsletter input[name="csrfmiddlewaretoken"]').get_attribute("value") == ""
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    page.wait_for_timeout(2100)  # a person takes a moment; faster looks like a bot
    page.fill("#newsletter input[name=email]", "not an address")
    page.click("#newsletter input[type=submit]")
    error = page.locator("#newsletter .invalid-feedback")
    error.wait_for()
    assert "Enter a valid email address" in error.inner_text()

    page.fill("#newsletter input[name=email]", "visitor.b@example.com")
    page.click("#newsletter input[type=submit]")
    page.locator("#newsletter .signup__done").wait_for()
    assert page.locator("#newsletter .signup__done").inner_text() == "Check your inbox"
    assert navigations == [] and page.url == live_demo.url + SEED_PATH

    cookies_a = {c["name"]: c["value"] for c in first.cookies()}
    cookies_b = {c["name"]: c["value"] for c in second.cookies()}
    assert cookies_b["csrftoken"] and cookies_a.get("csrftoken") != cookies_b["csrftoken"]
    first.close()
    second.close()

    from newsletter.models import Subscriber

    assert Subscriber.objects.filter(email="visitor.b@example.com", status="pending").count() == 1


def test_a_quick_visitor_on_a_cached_page_is_not_taken_for_a_bot(browser, live_demo):
    """The stamp is fetched when the visitor starts on the form, not with the page; a post sooner than
    NEWSLETTER_MIN_FILL_SECONDS after it waits instead of being dropped as a bot's."""
    browser.new_context().new_page().goto(live_demo.url + SEED_PATH)  # warms the page cache
    context = browser.new_context()
    page = context.new_page()
    tokens = []
    page.on("request", lambda request: "/newsletter/token/" in request.url and tokens.append(request.url))
    assert page.goto(live_demo.url + SEED_PATH).headers["x-page-cache"] == "hit"
    page.wait_for_load_state("networkidle")
    assert tokens == []  # readers who never touch the form cost no extra request
    page.fill("#newsletter input[name=email]", "quick@example.com")
    page.click("#newsletter input[type=submit]")
    page.locator("#newsletter .signup__done").wait_for()
    assert len(tokens) == 1
    context.close()

    from newsletter.models import Subscriber

    assert Subscriber.objects.filter(email="quick@example.com", status="pending").count() == 1


def test_signup_without_javascript(browser, live_demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_demo.url + SEED_PATH)
    page.wait_for_timeout(2100)
    page.fill("#newsletter input[name=email]", "no.script@example.com")
    page.click("#newsletter input[type=submit]")
    # The cached page had no token: the server asks once more and keeps the address.
    assert page.locator(".signup__notice").inner_text().startswith("Almost there")
    assert page.locator("input[name=email]").input_value() == "no.script@example.com"
    page.wait_for_timeout(2100)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{SEED_PATH}?newsletter=check-inbox#newsletter")  # back on the article
    assert "Check your inbox" in page.locator(".signup__done").inner_text()
    context.close()

    from newsletter.models import Subscriber

    assert Subscriber.objects.filter(email="no.script@example.com").count() == 1


def test_shopper_clicks_a_card_and_lands_on_the_shop_with_utm(browser, live_demo):
    from urllib.parse import parse_qs, urlsplit

    # A person's browser, not "HeadlessChrome", which the click counter rightly files as a robot.
    context = browser.new_context(
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
    )
    landed = []

    def shop(route):
        # The shop is another site: answer here, so no request leaves the machine.
        landed.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>KURU shop</title><h1>Shop</h1>")

    context.route("https://www.kurufootwear.com/**", shop)
    page = context.new_page()
    page.goto(live_demo.url + SEED_PATH)
    card = page.locator(".product-card").filter(has_text="QUANTUM 2.0")
    card.get_by_role("link", name="Shop now").click()
    page.wait_for_url("https://www.kurufootwear.com/**")
    query = parse_qs(urlsplit(landed[-1]).query)
    assert query["utm_campaign"] == ["can-foot-pain-cause-knee-pain"] and query["utm_content"] == ["card-3"]
    assert query["variant"] == ["pewter-night-sky"]
    context.close()

    from products.models import Click

    click = Click.objects.get()
    assert click.article.slug == "can-foot-pain-cause-knee-pain" and not click.is_bot
