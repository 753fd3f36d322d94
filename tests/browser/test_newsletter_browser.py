"""The issue admin and the email preview in a real Chromium, at a phone's width and a desktop's."""

import os
from pathlib import Path

import pytest

from articles.models import Article
from products.models import Product
from tests.browser.admin_login import submit_login
from tests.factories import make_issue

pytestmark = pytest.mark.browser

# Set SCREENSHOT_DIR to keep the pictures for a look.
SHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def staff_page(browser, live_demo, django_user_model, settings):
    settings.SITE_URL = live_demo.url  # the email's images and links point at the live server
    django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    # The browser's own /favicon.ico request (the admin links none) is not the page's.
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            and errors.append(f"{message.text} {message.location.get('url')}")
        ),
    )
    submit_login(page, live_demo.url, "editor")
    yield page, errors
    context.close()


def _shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_compose_and_preview(staff_page, live_demo, width):
    page, errors = staff_page
    issue = make_issue(
        subject="Knees, heels and the sneaker we wear all winter",
        slug="winter",
        intro_html="<p>Hello! This month: why knee pain can start <strong>at your feet</strong>, and two pairs we like.</p>"
        '<ul><li>One read</li><li>Two shoes</li></ul><p><a href="https://example.com/">A link</a></p>',
        articles=list(Article.objects.all()[:1]),
        products=list(Product.objects.all()[:2]),
    )
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_demo.url}/admin/newsletter/issue/{issue.pk}/change/")
    assert page.locator("#article_items-group").is_visible() and page.locator("#product_items-group").is_visible()
    assert page.locator("input[name=_send_test]").is_visible()
    _shoot(page, f"issue-admin-{width}")

    page.goto(f"{live_demo.url}/admin/newsletter/issue/{issue.pk}/preview/")
    # The inline styles apply (the preview's policy allows them) and every image loads, at its stated size.
    assert "Georgia" in page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily")
    images = page.locator("img")
    assert images.count() == 3
    for i in range(images.count()):
        img = images.nth(i)
        assert img.evaluate("e => e.complete && e.naturalWidth > 0"), img.get_attribute("src")
        shown = img.evaluate("e => e.getBoundingClientRect().width")
        assert 0 < shown <= int(img.get_attribute("width")) + 0.5
    # Nothing sticks out at a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shoot(page, f"issue-preview-{width}")
    page.emulate_media(color_scheme="dark")
    sheet = page.locator("table.sheet").evaluate("e => getComputedStyle(e).backgroundColor")
    assert sheet == "rgb(36, 33, 30)"
    _shoot(page, f"issue-preview-dark-{width}")
    assert errors == []
