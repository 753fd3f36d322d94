import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article
from newsletter.models import Subscriber
from products.models import ArticleDailyViews, Click, click_day
from products.reports import NOT_FROM_AN_ARTICLE
from tests.admin_forms import staff_user
from tests.factories import make_article, make_product, make_subscriber

REPORT = "/admin/products/click/report/"


def _at(day, hour=12, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _click(product, article=None, when=None, is_bot=False, placement="card-1"):
    click = Click.objects.create(product=product, article=article, placement=placement, is_bot=is_bot)
    if when is not None:
        Click.objects.filter(pk=click.pk).update(
            created_at=when, day=click_day(when)
        )  # auto_now_add: set the time afterwards
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
    _click(slide, heel, _at(first), placement="card-2")
    _click(slide, None, _at(first), placement="product-page")  # a product-page click: no article
    _click(slide, make_article(title="Clicked, views unknown"), _at(first), placement="card-2")
    return {"start": first.isoformat(), "end": last.isoformat()}


class _Tables(HTMLParser):
    """The report's tables: {id: (caption, rows of cell texts, rows of cell links)}."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._cell, self._href, self._in_caption = {}, None, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "click-report" in attrs.get("class", ""):
            self._table = attrs["id"]
            self.tables[self._table] = ["", [], []]
        elif self._table is None:
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[self._table][1].append([])
            self.tables[self._table][2].append([])
        elif tag in ("td", "th"):
            self._cell, self._href = "", None
        elif tag == "a" and self._cell is not None:
            self._href = attrs["href"]

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th"):
            text = " ".join(self._cell.replace("▼", "").replace("▲", "").split())
            self.tables[self._table][1][-1].append(text)
            self.tables[self._table][2][-1].append(self._href)
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[self._table][0] += data
        elif self._cell is not None:
            self._cell += data


def _parse(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _html_tables(html):
    """[(caption without its dates, rows)] in the page's order."""
    return [(caption.rsplit(",", 1)[0], rows) for caption, rows, _ in _parse(html).values()]


def _links(html):
    return [href for _, _, links in _parse(html).values() for row in links for href in row if href]


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


ARTICLE_HEADERS = [
    "Article",
    "Views",
    "Clicks",
    "Click-through rate",
    "Confirmed signups",
    "Pending signups",
]


def test_figures_on_known_data(admin_client, data):
    response = admin_client.get(REPORT, data)
    assert response.status_code == 200
    tables = dict(_html_tables(response.content.decode()))
    assert list(tables) == [
        "Per day, all articles",
        "Clicks per article",
        "Clicks per product",
        "Clicks per placement",
        "Newsletter signups per article",
    ]
    days = tables["Per day, all articles"]
    assert days[0] == ["Day", "Views", "Clicks", "Click-through rate"] and len(days) == 1 + 31
    assert days[1] == ["2026-03-01", "140", "6", "4.3%"]
    assert days[2] == ["2026-03-02", "0", "0", ""]
    assert days[-1] == ["2026-03-31", "107", "1", "0.9%"]
    assert tables["Clicks per article"] == [
        ARTICLE_HEADERS,
        ["Knee pain", "200", "4", "2.0%", "0", "0"],
        ["Heel pain", "40", "1", "2.5%", "0", "0"],
        ["Clicked, views unknown", "0", "1", "", "0", "0"],
        ["Read, never clicked", "7", "0", "0.0%", "0", "0"],
        ["Not from an article (product pages, other links)", "", "1", "", "", ""],
    ]
    assert tables["Clicks per product"] == [
        ["Product", "Clicks", "From articles", "Elsewhere"],
        ["MOMENT", "4", "3", "1"],
        ["ATOM in Black", "3", "3", "0"],
    ]
    assert tables["Clicks per placement"] == [
        ["Placement", "Clicks"],
        ["card-1", "4"],
        ["card-2", "2"],
        ["product-page", "1"],
    ]


def test_the_charts_draw_the_tables_numbers(admin_client, data):
    from tests.core.test_charts import SVG, read_line

    html = admin_client.get(REPORT, data).content.decode()
    svgs = re.findall(r"<svg class=\"chart .*?</svg>", html, re.S)
    labels = [re.search(r'aria-label="([^"]*)"', svg).group(1) for svg in svgs]
    assert labels == [
        "Views per day, all articles",
        "Clicks per day, all articles",
        "Click-through rate per day, all articles",
        "Clicks per product",
        "Clicks per placement",
    ]  # no signups: no signup chart, only its table saying so
    days = dict(_html_tables(html))["Per day, all articles"][1:]
    for svg, column in zip(svgs[:2], (1, 2), strict=True):
        assert read_line(svg)[2] == pytest.approx([int(day[column]) for day in days], abs=0.05)
    assert read_line(svgs[2])[2] == pytest.approx([6 / 140] + [0] * 29 + [1 / 107], abs=0.0005)
    for svg, expected in (
        (svgs[3], {"MOMENT": 4, "ATOM in Black": 3}),
        (svgs[4], {"card-1": 4, "card-2": 2, "product-page": 1}),
    ):
        root = ET.fromstring(svg)
        bars = {r.find(f"{SVG}title").text.rsplit(": ", 1)[0]: float(r.get("width")) for r in root.iter(f"{SVG}rect")}
        assert list(bars) == list(expected)
        longest = max(expected.values())
        assert {k: w / max(bars.values()) for k, w in bars.items()} == pytest.approx(
            {k: v / longest for k, v in expected.items()}
        )


def test_one_article_s_days(admin_client, data):
    knee = Article.objects.get(title="Knee pain")
    html = admin_client.get(REPORT, {**data, "article": knee.pk}).content.decode()
    days = dict(_html_tables(html))["Per day, “Knee pain”"]
    assert days[1] == ["2026-03-01", "100", "3", "3.0%"] and days[-1] == ["2026-03-31", "100", "1", "1.0%"]
    assert sum(int(day[2]) for day in days[1:]) == 4
    assert 'aria-label="Views per day, “Knee pain”"' in html and 'id="all-articles"' in html
    # The article's title in the table leads there, keeping the days.
    titles = {
        row[0]: links[0] for _, rows, links in _parse(html).values() for row, links in zip(rows, links, strict=True)
    }
    assert titles["Knee pain"] == f"?start=2026-03-01&end=2026-03-31&sort=clicks&article={knee.pk}#trend"
    # An article with nothing in these days, or none at all: an empty trend, not an error.
    quiet = make_article(title="Nothing yet")
    assert dict(_html_tables(admin_client.get(REPORT, {**data, "article": quiet.pk}).content.decode()))[
        "Per day, “Nothing yet”"
    ][1] == ["2026-03-01", "0", "0", ""]
    assert admin_client.get(REPORT, {**data, "article": 999999}).status_code == 200
    response = admin_client.get(REPORT, {**data, "article": "knee"})
    assert response.status_code == 400 and "Choose the article from the table" in response.content.decode()


@pytest.mark.parametrize(
    "sort, order",
    [
        ("clicks", ["Knee pain", "Heel pain", "Clicked, views unknown", "Read, never clicked"]),
        ("-clicks", ["Read, never clicked", "Heel pain", "Clicked, views unknown", "Knee pain"]),
        ("views", ["Knee pain", "Heel pain", "Read, never clicked", "Clicked, views unknown"]),
        ("ctr", ["Heel pain", "Knee pain", "Read, never clicked", "Clicked, views unknown"]),
        ("-ctr", ["Read, never clicked", "Knee pain", "Heel pain", "Clicked, views unknown"]),
        ("title", ["Clicked, views unknown", "Heel pain", "Knee pain", "Read, never clicked"]),
        ("-title", ["Read, never clicked", "Knee pain", "Heel pain", "Clicked, views unknown"]),
        # Ties keep the order of views.
        ("signups", ["Heel pain", "Knee pain", "Read, never clicked", "Clicked, views unknown"]),
        ("pending", ["Knee pain", "Heel pain", "Read, never clicked", "Clicked, views unknown"]),
        ("no-such-column", ["Knee pain", "Heel pain", "Clicked, views unknown", "Read, never clicked"]),
    ],
)
def test_every_column_sorts(admin_client, data, sort, order):
    heel, knee = Article.objects.get(title="Heel pain"), Article.objects.get(title="Knee pain")
    make_subscriber(source_article=heel)
    make_subscriber(source_article=knee, status=Subscriber.Status.PENDING)
    # Subscribers are made today, views and clicks in March: use a range holding both.
    html = admin_client.get(REPORT, {"start": "2026-03-01", "end": timezone.localdate().isoformat(), "sort": sort})
    rows = dict(_html_tables(html.content.decode()))["Clicks per article"]
    assert [row[0] for row in rows[1:5]] == order
    assert rows[-1][0] == NOT_FROM_AN_ARTICLE  # never sorted in among the articles
    header = re.search(r"<th scope=\"col\" aria-sort=\"(\w+)\"><a href=\"\?([^\"]*)\">", html.content.decode())
    expected = "clicks" if sort == "no-such-column" else sort
    assert header.group(1) == ("ascending" if expected in ("title", "-clicks", "-ctr") else "descending")
    assert f"sort={'' if expected.startswith('-') else '-'}{expected.removeprefix('-')}" in header.group(2)


def test_csv_has_the_same_figures_as_the_tables(admin_client, data):
    knee = Article.objects.get(title="Knee pain")
    make_subscriber(source_article=knee)
    make_subscriber(source_article=knee, status=Subscriber.Status.PENDING)
    data = {**data, "end": timezone.localdate().isoformat()}  # subscribers are made today
    html = admin_client.get(REPORT, data).content.decode()
    response = admin_client.get(REPORT, {**data, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="articles-that-sell-2026-03-01-to-{data["end"]}.csv"'
    )
    title, tables = _csv_tables(response.content.decode())
    assert title == ["Articles that sell", "2026-03-01", data["end"]]
    assert tables == _html_tables(html)
    assert [caption for caption, _ in tables] == [
        "Per day, all articles",
        "Clicks per article",
        "Clicks per product",
        "Clicks per placement",
        "Newsletter signups per article",
    ]
    # Up to today: the day after March holds 999 more views and one more click.
    assert ["Knee pain", "1199", "5", "0.4%", "1", "1"] in dict(tables)["Clicks per article"]
    assert f'href="?start=2026-03-01&amp;end={data["end"]}&amp;sort=clicks&amp;format=csv"' in html


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
    assert ["Recent", "5", "0", "0.0%", "0", "0"] in dict(_html_tables(html))["Clicks per article"]
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
    assert ["Just read", "1", "0", "0.0%", "0", "0"] in dict(_html_tables(html))["Clicks per article"]


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


@pytest.mark.parametrize("who", ["Editors", "superuser"])
def test_every_link_in_the_report_opens_for_its_viewer(client, data, django_user_model, who):
    knee = Article.objects.get(title="Knee pain")
    make_subscriber(source_article=knee)
    make_subscriber(source_article=knee, status=Subscriber.Status.PENDING)
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    else:
        user = staff_user(django_user_model, "edna", who)
    client.force_login(user)
    html = client.get(REPORT, {**data, "end": timezone.localdate().isoformat()}).content.decode()
    links = [link.replace("&amp;", "&") for link in _links(html)]
    assert any("/admin/products/click/?" in link for link in links)
    assert any("/admin/newsletter/subscriber/" in link for link in links) == (who == "superuser")
    for link in links:
        response = client.get(link if link.startswith("/") else REPORT + link)
        assert response.status_code == 200, link
        assert b"?e=1" not in response.content  # the admin's answer to a lookup it refuses


def test_the_click_links_list_the_counted_clicks(admin_client, data):
    html = admin_client.get(REPORT, data).content.decode()
    tables = _parse(html)
    checked = 0
    for _, rows, links in tables.values():
        for row, row_links in zip(rows, links, strict=True):
            for text, link in zip(row, row_links, strict=True):
                if link and "/admin/products/click/?" in link:
                    response = admin_client.get(link)
                    assert response.context["cl"].result_count == int(text), (row, link)
                    checked += 1
    assert checked >= 10  # per article, per product (three kinds), per placement, and the direct clicks


def test_a_writer_has_no_report_and_no_link_to_it(client, db, django_user_model):
    client.force_login(staff_user(django_user_model, "walt", "Writers"))
    assert client.get(REPORT).status_code == 403
    assert REPORT not in client.get("/admin/").content.decode()


def _grow(articles, days, products=3):
    """Views every day for each article and clicks from every article on every product, placements varied."""
    first = timezone.localdate() - timedelta(days=days - 1)
    made = [make_article(title=f"Grown {n}") for n in range(articles)]
    goods = [make_product(name=f"Grown product {n}") for n in range(products)]
    ArticleDailyViews.objects.bulk_create(
        ArticleDailyViews(article=a, day=first + timedelta(days=d), views=10 + d) for a in made for d in range(days)
    )
    pairs = [(a, p) for a in made for p in goods]
    Click.objects.bulk_create(
        Click(product=p, article=a, placement=f"card-{n % 4}", created_at=when, day=click_day(when))
        for n, (a, p) in enumerate(pairs)
        for when in [_at(first + timedelta(days=n % days))]
    )  # bulk_create neither calls save() nor keeps created_at (auto_now_add): both set afterwards
    for click in Click.objects.filter(article__in=made):
        when = _at(click.day)
        Click.objects.filter(pk=click.pk).update(created_at=when)
    for a in made[: articles // 2]:
        make_subscriber(source_article=a)
        make_subscriber(source_article=a, status="pending")
    return first


# Session, user, then the report: views and clicks per article and those articles' titles, views and
# clicks per day, clicks per product and per placement, confirmed and pending signups per article.
REPORT_QUERIES = 2 + 9


@pytest.mark.parametrize("articles, days", [(2, 3), (30, 60)])
def test_the_report_s_queries_do_not_grow_with_articles_or_days(
    admin_client, db, django_assert_num_queries, articles, days
):
    first = _grow(articles, days)
    params = {"start": first.isoformat(), "end": timezone.localdate().isoformat()}
    admin_client.get(REPORT, params)  # warm: the session's first read may save it
    with django_assert_num_queries(REPORT_QUERIES):
        response = admin_client.get(REPORT, params)
    assert len(dict(_html_tables(response.content.decode()))["Clicks per article"]) == 1 + articles
    with django_assert_num_queries(REPORT_QUERIES):
        admin_client.get(REPORT, {**params, "format": "csv", "sort": "-views"})
    # One article's days: one more query, for its title.
    article = Article.objects.get(title="Grown 1")
    with django_assert_num_queries(REPORT_QUERIES):
        admin_client.get(REPORT, {**params, "article": article.pk})  # its title comes from the table's rows
    quiet = make_article(title="Not in the table")
    with django_assert_num_queries(REPORT_QUERIES + 1):
        admin_client.get(REPORT, {**params, "article": quiet.pk})


def test_a_long_article_table_is_shown_a_page_at_a_time(admin_client, db):
    _grow(120, 1, products=1)
    html = admin_client.get(REPORT).content.decode()
    assert len(dict(_html_tables(html))["Clicks per article"]) == 1 + 100
    assert "Page 1 of 2 (120 articles)" in html
    second = admin_client.get(REPORT, {"page": 2}).content.decode()
    assert len(dict(_html_tables(second))["Clicks per article"]) == 1 + 20
    assert admin_client.get(REPORT, {"page": "x"}).status_code == 200
    csv_text = admin_client.get(REPORT, {"format": "csv"}).content.decode()
    assert len(dict(_csv_tables(csv_text)[1])["Clicks per article"]) == 1 + 120  # the CSV has every row


def test_a_click_s_day_is_its_date_in_the_site_s_time_zone(db, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 01:30 on 1 April in Berlin
    assert click_day(late).isoformat() == "2026-04-01"
    click = Click.objects.create(product=make_product(), placement="card-1")
    assert click.day == timezone.localdate(click.created_at, timezone=timezone.get_default_timezone())


@pytest.mark.django_db(transaction=True)
def test_the_click_day_migration_fills_existing_clicks_and_reverses():
    quiet = {"verbosity": 0, "stdout": io.StringIO()}
    product = make_product()
    moments = [timezone.make_aware(datetime(2026, 3, 1, hour)) for hour in (0, 12, 23)]
    for when in moments:
        click = Click.objects.create(product=product, placement="card-1")
        Click.objects.filter(pk=click.pk).update(created_at=when, day="2000-01-01")  # wrong: to be refilled
    call_command("migrate", "products", "0007", **quiet)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, Click._meta.db_table)]
    assert "day" not in columns
    call_command("migrate", **quiet)
    assert [c.day for c in Click.objects.order_by("created_at")] == [click_day(when) for when in moments]


def test_no_csv_cell_starts_a_formula_whatever_the_names(admin_client, db):
    """Titles, product names and placements (a shop link's ?placement= is the visitor's) stay text."""
    today = timezone.localdate()
    article = make_article(title="=1+1")
    product = make_product(name="@SUM(A1)", colorway="")
    ArticleDailyViews.objects.create(article=article, day=today, views=3)
    Click.objects.create(product=product, article=article, placement="-2+3")
    Click.objects.create(product=product, placement="=cmd|'/C calc'!A0")
    make_subscriber(source_article=article)
    cells = [
        cell
        for row in csv.reader(io.StringIO(admin_client.get(REPORT, {"format": "csv"}).content.decode()))
        for cell in row
    ]
    for text in ("=1+1", "@SUM(A1)", "-2+3", "=cmd|'/C calc'!A0"):
        assert f"'{text}" in cells and text not in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
