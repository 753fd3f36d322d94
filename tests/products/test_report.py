import csv
import io
import re
from datetime import datetime, time, timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from products.models import ArticleDailyViews, Click
from tests.factories import make_article, make_product

REPORT = "/admin/products/click/report/"


def _at(day, hour=12, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _click(product, article=None, when=None, is_bot=False):
    click = Click.objects.create(product=product, article=article, placement="card-1", is_bot=is_bot)
    if when is not None:
        Click.objects.filter(pk=click.pk).update(created_at=when)  # auto_now_add: set the time afterwards
    return click


@pytest.fixture
def data(db):
    """Known figures from 2026-03-01 to 2026-03-31, with rows just outside the range."""
    first, last = timezone.datetime(2026, 3, 1).date(), timezone.datetime(2026, 3, 31).date()
    knee = make_article(title="Knee pain")
    heel = make_article(title="Heel pain")
    quiet = make_article(title="Read, never clicked")
    atom = make_product(name="ATOM", colorway="Black")
    slide = make_product(name="MOMENT", colorway="")
    for day, article, views in [
        (first, knee, 100),
        (last, knee, 100),
        (first - timedelta(days=1), knee, 999),
        (last + timedelta(days=1), knee, 999),
        (first, heel, 40),
        (last, quiet, 7),
    ]:
        ArticleDailyViews.objects.create(article=article, day=day, views=views)
    for _ in range(3):
        _click(atom, knee, _at(first, 0, 0))  # the first instant of the range
    _click(slide, knee, _at(last, 23, 59))  # the last minute of the range
    _click(atom, knee, _at(first - timedelta(days=1), 23, 59))  # the day before: out
    _click(atom, knee, _at(last + timedelta(days=1), 0, 0))  # the day after: out
    _click(atom, knee, _at(first), is_bot=True)  # a bot: out
    _click(slide, heel, _at(first))
    _click(slide, None, _at(first))  # a product-page click: no article
    _click(slide, make_article(title="Clicked, views unknown"), _at(first))
    return {"start": first.isoformat(), "end": last.isoformat()}


def _html_tables(html):
    tables = []
    for table in re.findall(r"<table class=\"click-report\".*?</table>", html, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            rows.append([unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
        caption = unescape(re.search(r"<caption>(.*?),", table).group(1))
        tables.append((caption, rows))
    return tables


def _csv_tables(text):
    lines = list(csv.reader(io.StringIO(text)))
    tables, current = [], None
    for line in lines[1:]:
        if not line:
            current = None
        elif current is None:
            current = (line[0], [])
            tables.append(current)
        else:
            current[1].append(line)
    return lines[0], tables


def test_figures_on_known_data(admin_client, data):
    response = admin_client.get(REPORT, data)
    assert response.status_code == 200
    (articles_caption, articles), (products_caption, products) = _html_tables(response.content.decode())
    assert articles_caption == "Clicks per article" and products_caption == "Clicks per product"
    assert articles == [
        ["Article", "Views", "Clicks", "Click-through rate"],
        ["Knee pain", "200", "4", "2.0%"],
        ["Heel pain", "40", "1", "2.5%"],
        ["Clicked, views unknown", "0", "1", ""],
        ["Read, never clicked", "7", "0", "0.0%"],
        ["Not from an article (product pages, other links)", "", "1", ""],
    ]
    assert products == [
        ["Product", "Clicks", "From articles", "Elsewhere"],
        ["MOMENT", "4", "3", "1"],
        ["ATOM in Black", "3", "3", "0"],
    ]


def test_csv_has_the_same_figures_as_the_table(admin_client, data):
    html = admin_client.get(REPORT, data).content.decode()
    response = admin_client.get(REPORT, {**data, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="articles-that-sell-2026-03-01-to-2026-03-31.csv"'
    title, tables = _csv_tables(response.content.decode())
    assert title == ["Articles that sell", "2026-03-01", "2026-03-31"]
    assert tables == _html_tables(html)
    assert 'href="?start=2026-03-01&amp;end=2026-03-31&amp;format=csv"' in html


def test_csv_cells_cannot_be_spreadsheet_formulas(admin_client, db):
    today = timezone.localdate()
    article = make_article(title='=HYPERLINK("http://evil.example")')
    ArticleDailyViews.objects.create(article=article, day=today, views=1)
    text = admin_client.get(REPORT, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_the_default_range_is_the_last_30_days(admin_client, db):
    today = timezone.localdate()
    article = make_article(title="Recent")
    ArticleDailyViews.objects.create(article=article, day=today - timedelta(days=29), views=5)
    ArticleDailyViews.objects.create(article=article, day=today - timedelta(days=30), views=1000)
    response = admin_client.get(REPORT)
    html = response.content.decode()
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html and f'value="{today.isoformat()}"' in html
    assert ["Recent", "5", "0", "0.0%"] in _html_tables(html)[0][1]
    # Views but no clicks: the product table says exactly that.
    assert "No clicks in these days." in html and "No clicks or views" not in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-02-30"}, "Enter the first day as YYYY-MM-DD, e.g. 2026-01-31."),
        ({"end": "yesterday"}, "Enter the last day as YYYY-MM-DD, e.g. 2026-01-31."),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "The first day comes after the last day: swap them."),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "Choose at most 366 days."),
    ],
)
def test_bad_dates_get_a_clear_message(admin_client, db, params, message):
    response = admin_client.get(REPORT, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'click-report"' not in html
    assert admin_client.get(REPORT, {**params, "format": "csv"}).status_code == 400


def test_the_report_needs_the_view_click_permission(client, db):
    assert client.get(REPORT).status_code == 302  # to the admin login
    staff = User.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(REPORT).status_code == 403
    assert client.get(REPORT, {"format": "csv"}).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_click", content_type__app_label="products"))
    assert client.get(REPORT).status_code == 200
    shopper = User.objects.create_user("shopper", password="x")
    shopper.user_permissions.add(Permission.objects.get(codename="view_click", content_type__app_label="products"))
    client.force_login(shopper)
    assert client.get(REPORT).status_code == 302  # not staff: no admin at all


def test_the_click_list_links_to_the_report(admin_client, db):
    html = admin_client.get("/admin/products/click/").content.decode()
    assert f'href="{REPORT}">Articles that sell</a>' in html


def test_the_report_includes_this_process_s_unwritten_views(admin_client, client, db):
    article = make_article(title="Just read")
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    html = admin_client.get(REPORT).content.decode()
    assert ["Just read", "1", "0", "0.0%"] in _html_tables(html)[0][1]


@pytest.mark.parametrize(
    "params",
    [{"start": "9999-12-01", "end": "9999-12-31"}, {"end": "0001-01-05"}],
    ids=["far-future-end", "year-one-end-default-start"],
)
def test_extreme_dates_get_a_message_not_a_500(admin_client, db, params):
    response = admin_client.get(REPORT, params)
    assert response.status_code == 400 and "between 2000 and 2099" in response.content.decode()


def test_staff_clicks_are_not_counted_like_staff_views(admin_client, db):
    article = make_article(title="Knee pain")
    product = make_product()
    admin_client.get(
        f"/go/{product.slug}/",
        {"article": article.slug, "placement": "card-1"},
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15",
    )
    assert not Click.objects.filter(is_bot=False).exists()


def test_a_review_keeps_its_line_breaks_and_stays_escaped(client, db):
    from products.models import Rating

    product = make_product()
    Rating(
        product=product,
        stars=5,
        reviewer_name="Ann",
        status=Rating.Status.APPROVED,
        text="First paragraph.\nSecond <b>line</b>.",
    ).save()
    html = client.get(product.get_absolute_url()).content.decode()
    assert "First paragraph.<br>Second &lt;b&gt;line&lt;/b&gt;." in html
