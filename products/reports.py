"""“Articles that sell”: shop-link clicks per article and per product, with article views, for a date range."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.spreadsheets import SpreadsheetWriter

from .models import ArticleDailyViews, Click

NOT_FROM_AN_ARTICLE = "Not from an article (product pages, other links)"


@dataclass
class Table:
    caption: str
    headers: list
    rows: list  # lists of cells, as shown: the HTML table and the CSV are the same cells
    empty: str = "Nothing in these days."


def _ctr(clicks: int, views: int) -> str:
    return f"{clicks / views:.1%}" if views else ""


def articles_that_sell(start: date, end: date) -> list[Table]:
    """Human clicks (bots left out) and views from start to end, both days included, in TIME_ZONE."""
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    clicks = Click.objects.filter(is_bot=False, created_at__gte=since, created_at__lt=until)

    articles = {}  # article id -> [title, views, clicks]
    for row in (
        ArticleDailyViews.objects.filter(day__gte=start, day__lte=end)
        .values("article_id", "article__title")
        .annotate(views=Sum("views"))
    ):
        articles[row["article_id"]] = [row["article__title"], row["views"], 0]
    direct = 0
    for row in clicks.values("article_id", "article__title").annotate(clicks=Count("id")):
        if row["article_id"] is None:
            direct = row["clicks"]
        else:
            articles.setdefault(row["article_id"], [row["article__title"], 0, 0])[2] = row["clicks"]
    ranked = sorted(articles.values(), key=lambda a: (-a[2], -a[1], a[0]))
    article_rows = [[title, views, clicks, _ctr(clicks, views)] for title, views, clicks in ranked]
    if direct:
        article_rows.append([NOT_FROM_AN_ARTICLE, "", direct, ""])

    products = clicks.values("product_id", "product__name", "product__colorway").annotate(
        total=Count("id"), from_articles=Count("id", filter=Q(article__isnull=False))
    )
    product_rows = [
        [
            f"{p['product__name']} in {p['product__colorway']}" if p["product__colorway"] else p["product__name"],
            p["total"],
            p["from_articles"],
            p["total"] - p["from_articles"],
        ]
        for p in sorted(products, key=lambda p: (-p["total"], p["product__name"], p["product__colorway"]))
    ]
    return [
        Table(
            "Clicks per article",
            ["Article", "Views", "Clicks", "Click-through rate"],
            article_rows,
            empty="No clicks or views in these days.",
        ),
        Table(
            "Clicks per product",
            ["Product", "Clicks", "From articles", "Elsewhere"],
            product_rows,
            empty="No clicks in these days.",
        ),
    ]


def write_csv(out, tables: list[Table], start: date, end: date) -> None:
    """The tables one after another, each with its caption and header row, a blank line between."""
    writer = SpreadsheetWriter(out)
    writer.writerow(["Articles that sell", start.isoformat(), end.isoformat()])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
