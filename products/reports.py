"""“Articles that sell”: views, shop-link clicks and click-through per article, day, product and placement.

A fixed number of queries whatever the range or the number of articles: each
figure is one GROUP BY in the database (ArticleDailyViews is already a daily
rollup of views; clicks are counted where they are stored). Higher apps add
columns and sections through `register()` (the newsletter app adds signups),
since this app may not import them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from core.charts import bar_chart, line_chart
from core.spreadsheets import SpreadsheetWriter

from .models import ArticleDailyViews, Click

NOT_FROM_AN_ARTICLE = "Not from an article (product pages, other links)"
NO_PLACEMENT = "(not given)"
CHART_ROWS = 10  # bars in a chart; its table lists every row


@dataclass(frozen=True)
class Link:
    """A cell shown as a link to a page the report's viewer may open; the CSV writes its text."""

    text: object
    url: str

    def __str__(self):
        return str(self.text)


def plain(cell):
    """What a cell says, without its link: the CSV's value."""
    return cell.text if isinstance(cell, Link) else cell


@dataclass
class Table:
    caption: str
    headers: list
    rows: list  # lists of cells, as shown: the HTML table and the CSV are the same cells
    empty: str = "Nothing in these days."
    sort_keys: list = field(default_factory=list)  # per column: the ?sort= value ordering by it, or None
    sorted_by: str = ""  # "clicks" (descending, the default) or "-clicks" (ascending)
    footer: list = field(default_factory=list)  # rows after every page (they are not sorted)


@dataclass
class Chart:
    title: str
    svg: str


@dataclass
class Section:
    """A table with the charts drawn from its numbers (shown before it)."""

    slug: str
    table: Table
    charts: list = field(default_factory=list)


@dataclass
class ArticleFigures:
    """Columns a higher app adds to the per-article table: headers, sort keys and cells per article id."""

    headers: list
    sort_keys: list
    cells: dict  # article id -> list of cells (numbers or Links)
    blank: list  # cells for an article the app has nothing on
    titles: dict = field(default_factory=dict)  # article id -> title, for articles only this app knows of


@dataclass
class Report:
    start: date
    end: date
    article_id: int | None
    article_title: str
    sections: list


@dataclass(frozen=True)
class Range:
    """The report's days, both included, and the instants that bound them in TIME_ZONE."""

    start: date
    end: date

    @property
    def since(self):
        return timezone.make_aware(datetime.combine(self.start, time.min), timezone.get_default_timezone())

    @property
    def until(self):
        return timezone.make_aware(
            datetime.combine(self.end + timedelta(days=1), time.min), timezone.get_default_timezone()
        )


# What higher apps add: callables (days: Range, viewer) -> (ArticleFigures | None, [Section]).
# Filled once from AppConfig.ready(), like the admin's registry; it holds code, no data.
_extensions: list[Callable] = []


def register(extension: Callable) -> Callable:
    """Add `extension`'s columns and sections to every report (idempotent)."""
    if extension not in _extensions:
        _extensions.append(extension)
    return extension


def _ctr(clicks: int, views: int) -> str:
    return f"{clicks / views:.1%}" if views else ""


def _click_links(viewer, days: Range) -> Callable[..., str]:
    """A function giving the click list of the report's clicks with more lookups ("" if the viewer may not open it)."""
    if viewer is not None and not viewer.has_perm("products.view_click"):
        return lambda **lookups: ""
    # Built once: the per-article table asks for thousands.
    prefix = (
        reverse("admin:products_click_changelist")
        + "?"
        + urlencode({"day__gte": days.start.isoformat(), "day__lte": days.end.isoformat(), "is_bot__exact": "0"})
    )
    return lambda **lookups: f"{prefix}&{urlencode(lookups)}"


def _maybe_link(value, url):
    return Link(value, url) if url and value else value


def _sort_value(cell):
    value = plain(cell)
    if isinstance(value, str) and value.endswith("%"):
        return float(value[:-1])
    return value


def _sorted(rows, sort_keys, sort: str) -> tuple[list, str]:
    """Rows ordered by the column `sort` names, blanks last; unknown keys sort by clicks.

    Figures run largest first and titles A to Z; a leading "-" turns either round.
    Ties keep the order of views (most first), then of titles.
    """
    key = sort.removeprefix("-")
    if key not in sort_keys:
        key, sort = "clicks", "clicks"
    column = sort_keys.index(key)
    reverse = (key != "title") != sort.startswith("-")
    rows = sorted(rows, key=lambda row: str(plain(row[0])).casefold())
    rows.sort(key=lambda row: -(_sort_value(row[1]) or 0))
    filled = [row for row in rows if _sort_value(row[column]) not in ("", None)]
    blank = [row for row in rows if _sort_value(row[column]) in ("", None)]
    if key == "title":
        filled.sort(key=lambda row: str(plain(row[column])).casefold(), reverse=reverse)
    else:
        filled.sort(key=lambda row: _sort_value(row[column]), reverse=reverse)
    return filled + blank, sort


def articles_that_sell(start: date, end: date, *, viewer=None, sort: str = "clicks", article_id=None) -> Report:
    """Human clicks (bots left out) and views from start to end, both days included, in TIME_ZONE.

    Nine queries with the newsletter's columns, one more for a chosen article's title; links only
    to pages `viewer` may open (None: any).
    """
    days = Range(start, end)
    clicks = Click.objects.filter(is_bot=False, day__gte=start, day__lte=end)
    views = ArticleDailyViews.objects.filter(day__gte=start, day__lte=end)

    # Per article: views and clicks, each counted from its own covering index (no join per row),
    # then the titles of the articles that have either.
    articles = {}  # article id -> [title, views, clicks]
    for pk, n in views.values_list("article_id").annotate(n=Sum("views")).order_by():
        articles[pk] = ["", n, 0]
    direct = 0
    for pk, n in clicks.values_list("article_id").annotate(n=Count("*")).order_by():
        if pk is None:
            direct = n
        else:
            articles.setdefault(pk, ["", 0, 0])[2] = n
    if articles:
        article_model = ArticleDailyViews._meta.get_field("article").related_model
        # EXISTS probes the (article, day) indexes once per article: 23 ms on SQLite and 81 ms on
        # PostgreSQL at 10,000 articles and 1,000,000 clicks. "pk IN (views) OR pk IN (clicks)" took
        # 0.45 s and 170 s: PostgreSQL's planner cannot hash a subquery that outgrows work_mem, so it
        # ran it again for every article.
        having = Q(Exists(views.filter(article=OuterRef("pk")))) | Q(Exists(clicks.filter(article=OuterRef("pk"))))
        for pk, title in article_model.objects.filter(having).values_list("pk", "title"):
            articles[pk][0] = title

    clicks_url = _click_links(viewer, days)
    extensions = [extension(days, viewer) for extension in _extensions]
    figures = [columns for columns, _ in extensions if columns is not None]
    for columns in figures:
        for article_id_, title in columns.titles.items():
            articles.setdefault(article_id_, [title, 0, 0])

    trend_url = "?" + urlencode({"start": start.isoformat(), "end": end.isoformat(), "sort": sort}) + "&article="
    rows = []
    for pk, (title, article_views, article_clicks) in articles.items():
        row = [
            Link(title, f"{trend_url}{pk}#trend"),
            article_views,
            _maybe_link(article_clicks, clicks_url(article__id__exact=pk)),
            _ctr(article_clicks, article_views),
        ]
        for columns in figures:
            row += columns.cells.get(pk, columns.blank)
        rows.append(row)
    sort_keys = ["title", "views", "clicks", "ctr", *(key for columns in figures for key in columns.sort_keys)]
    rows, sort = _sorted(rows, sort_keys, sort)
    footer = []
    if direct:
        blanks = [""] * sum(len(columns.headers) for columns in figures)
        footer.append(
            [
                NOT_FROM_AN_ARTICLE,
                "",
                _maybe_link(direct, clicks_url(article__isnull="True")),
                "",
                *blanks,
            ]
        )
    per_article = Table(
        "Clicks per article",
        ["Article", "Views", "Clicks", "Click-through rate", *(h for columns in figures for h in columns.headers)],
        rows,
        empty="No clicks or views in these days.",
        sort_keys=sort_keys,
        sorted_by=sort,
        footer=footer,
    )

    # Per day, for every article or the chosen one.
    article_title = ""
    if article_id is not None:
        clicks_of, views_of = clicks.filter(article_id=article_id), views.filter(article_id=article_id)
        article_title = articles[article_id][0] if article_id in articles else _title(article_id)
    else:
        clicks_of, views_of = clicks, views
    daily_views = dict(views_of.values_list("day").annotate(n=Sum("views")).order_by())
    daily_clicks = dict(clicks_of.values_list("day").annotate(n=Count("*")).order_by())
    all_days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    trend_rows = []
    for day in all_days:
        day_views, day_clicks = daily_views.get(day, 0), daily_clicks.get(day, 0)
        trend_rows.append([day.isoformat(), day_views, day_clicks, _ctr(day_clicks, day_views)])
    whose = f"“{article_title}”" if article_id is not None else "all articles"
    labels = [f"{day:%b} {day.day}" for day in all_days]
    trend = Section(
        "trend",
        Table(f"Per day, {whose}", ["Day", "Views", "Clicks", "Click-through rate"], trend_rows),
        [
            Chart(
                "Views per day",
                line_chart(title=f"Views per day, {whose}", labels=labels, values=[r[1] for r in trend_rows]),
            ),
            Chart(
                "Clicks per day",
                line_chart(title=f"Clicks per day, {whose}", labels=labels, values=[r[2] for r in trend_rows]),
            ),
            Chart(
                "Click-through rate per day",
                line_chart(
                    title=f"Click-through rate per day, {whose}",
                    labels=labels,
                    values=[r[2] / r[1] if r[1] else 0 for r in trend_rows],
                    fmt="{:.1%}".format,
                ),
            ),
        ],
    )

    # Per product and per placement.
    products = clicks.values("product_id", "product__name", "product__colorway").annotate(
        total=Count("*"), from_articles=Count("article_id")
    )
    product_rows = []
    for p in sorted(products, key=lambda p: (-p["total"], p["product__name"], p["product__colorway"])):
        name = f"{p['product__name']} in {p['product__colorway']}" if p["product__colorway"] else p["product__name"]
        pk = p["product_id"]
        product_rows.append(
            [
                name,
                _maybe_link(p["total"], clicks_url(product__id__exact=pk)),
                _maybe_link(p["from_articles"], clicks_url(product__id__exact=pk, article__isnull="False")),
                _maybe_link(
                    p["total"] - p["from_articles"],
                    clicks_url(product__id__exact=pk, article__isnull="True"),
                ),
            ]
        )
    placements = clicks.values("placement").annotate(n=Count("*")).order_by("-n", "placement")
    placement_rows = [
        [row["placement"] or NO_PLACEMENT, _maybe_link(row["n"], clicks_url(placement=row["placement"]))]
        for row in placements
    ]
    sections = [
        trend,
        Section("articles", per_article),
        Section(
            "products",
            Table(
                "Clicks per product",
                ["Product", "Clicks", "From articles", "Elsewhere"],
                product_rows,
                empty="No clicks in these days.",
            ),
            bars("Clicks per product", product_rows),
        ),
        Section(
            "placements",
            Table("Clicks per placement", ["Placement", "Clicks"], placement_rows, empty="No clicks in these days."),
            bars("Clicks per placement", placement_rows),
        ),
    ]
    for _, more in extensions:
        sections += more
    return Report(start, end, article_id, article_title, sections)


def _title(article_id) -> str:
    article_model = ArticleDailyViews._meta.get_field("article").related_model
    return article_model.objects.filter(pk=article_id).values_list("title", flat=True).first() or "an unknown article"


def bars(title, rows, column=1) -> list[Chart]:
    """A bar chart of the first CHART_ROWS rows' figure in `column`, labelled by their first cell; none if all are 0."""
    counted = [row for row in rows if plain(row[column])]
    if not counted:
        return []
    top = counted[:CHART_ROWS]
    more = f" (the top {len(top)})" if len(counted) > len(top) else ""
    svg = bar_chart(
        title=title + more, labels=[str(plain(row[0])) for row in top], values=[plain(row[column]) for row in top]
    )
    return [Chart(title + more, svg)]


def write_csv(out, report: Report) -> None:
    """The tables one after another, each with its caption and header row, a blank line between; formula-safe."""
    writer = SpreadsheetWriter(out)
    writer.writerow(["Articles that sell", report.start.isoformat(), report.end.isoformat()])
    for section in report.sections:
        table = section.table
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.headers)
        writer.writerows([plain(cell) for cell in row] for row in [*table.rows, *table.footer])
