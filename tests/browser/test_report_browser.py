"""“Articles that sell” in Chromium: its charts, tables and links pass axe-core at 1280 px, and it fits 360 px."""

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article
from newsletter.models import Subscriber
from products.models import ArticleDailyViews, Click, Product, click_day
from tests.admin_forms import staff_user
from tests.browser.test_drafts_journey import axe_violations, log_in
from tests.factories import make_subscriber

pytestmark = pytest.mark.browser

REPORT = "/admin/products/click/report/"
# Set SCREENSHOT_DIR to keep 360 px and 1280 px pictures of the report.
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _fill(days=30):
    """A month of views and clicks on the demo's articles and products, and signups from the seed article."""
    today = timezone.localdate()
    articles, products = list(Article.objects.all()), list(Product.objects.all())
    ArticleDailyViews.objects.bulk_create(
        ArticleDailyViews(article=a, day=today - timedelta(days=d), views=40 + (d * 7 + n * 13) % 60)
        for n, a in enumerate(articles)
        for d in range(days)
    )
    clicks = []
    for d in range(days):
        when = timezone.make_aware(datetime.combine(today - timedelta(days=d), time(12)))
        for n in range(1 + (d * 5) % 4):
            product, article = products[(d + n) % len(products)], articles[n % len(articles)] if n % 3 else None
            placement = ["card-1", "card-2", "product-page"][n % 3]
            # bulk_create calls no save(): the day is set here, as Click.save() would.
            clicks.append(Click(product=product, article=article, placement=placement, day=click_day(when)))
    Click.objects.bulk_create(clicks)
    seed = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    for status in [Subscriber.Status.PENDING] * 3 + [Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.CONFIRMED]:
        make_subscriber(source_article=seed, status=status)


def test_the_report_is_axe_clean_and_fits_a_phone(browser, live_demo, django_user_model):
    _fill()
    staff_user(django_user_model, "edna", "Editors")
    page, errors = log_in(browser, live_demo, "edna")
    page.goto(live_demo.url + REPORT)
    assert page.locator("svg.chart").count() == 6  # three lines, bars for products, placements and signups
    assert page.locator("#report-table-articles tbody tr").count() >= 1
    problems = axe_violations(page, ["#content-main"])
    assert problems == []

    # Sorting by a column is a link; the sorted column says so to screen readers.
    page.click("#report-table-articles thead a:has-text('Views')")
    assert page.locator("#report-table-articles th[aria-sort='descending']").text_content().strip().startswith("Views")
    # An article's own days.
    page.locator("#report-table-articles tbody th a").first.click()
    assert page.locator("#all-articles").count() == 1
    assert axe_violations(page, ["#content-main"]) == []

    page.goto(live_demo.url + REPORT)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        # Nothing wider than the screen but the tables, which scroll inside their own box.
        overflow = page.evaluate(
            "() => [...document.querySelectorAll('#content-main svg.chart')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert overflow == 0, width
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/report-{width}.png", full_page=True)
    assert errors == []
    page.close()
