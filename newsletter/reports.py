"""What an issue did (deliveries by outcome, who left after it, the shop clicks it brought, day by day), and
the signups each article brought, for the products app's “Articles that sell”."""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from core.spreadsheets import SpreadsheetWriter
from products.models import Click
from products.reports import ArticleFigures, Link, Section, Table, bars

from .models import Delivery, Subscriber, Suppression

# The chart covers the first days after sending started.
FIRST_DAYS = 7


def issue_clicks(issue):
    """Shop-link clicks by people (bots left out) the issue brought: on its own product links (placement
    newsletter-<id>), and on product cards of the articles its readers opened from it (campaign)."""
    return Click.objects.filter(Q(placement=f"newsletter-{issue.pk}") | Q(campaign=issue.slug), is_bot=False)


def _by_day(queryset, field):
    # "on", not "day": clicks have a day field of their own (in TIME_ZONE; this counts in the current zone).
    rows = queryset.annotate(on=TruncDate(field)).values("on").annotate(n=Count("id"))
    return {row["on"]: row["n"] for row in rows}


def issue_report(issue) -> list[Table]:
    """Eight queries, whatever the list's size: the deliveries' outcomes, the unsubscribes, the clicks
    per product, the article clicks and the shop clicks per article, and the deliveries, clicks and
    unsubscribes per day."""
    state = Delivery.State
    # Distinct: the join to the suppressions (complaints) may repeat a delivery.
    counts = issue.deliveries.aggregate(
        recipients=Count("id", distinct=True),
        sent=Count("id", filter=Q(state=state.SENT), distinct=True),
        failed=Count("id", filter=Q(state=state.FAILED), distinct=True),
        bounced=Count("id", filter=Q(state=state.BOUNCED), distinct=True),
        skipped=Count("id", filter=Q(state=state.SKIPPED), distinct=True),
        waiting=Count("id", filter=Q(state__in=[state.QUEUED, state.SENDING]), distinct=True),
        complained=Count("id", filter=Q(suppressions__reason=Suppression.Reason.COMPLAINT), distinct=True),
    )
    # Everyone who got it and has left since: its unsubscribe link or any later one.
    left = issue.deliveries.filter(
        state=state.SENT,
        subscriber__status=Subscriber.Status.UNSUBSCRIBED,
        subscriber__unsubscribed_at__gte=F("sent_at"),
    )
    clicks = issue_clicks(issue)
    per_product = list(
        clicks.values("product__name", "product__colorway").annotate(n=Count("id")).order_by("-n", "product__name")
    )
    opened = list(
        issue.article_clicks.filter(is_bot=False)
        .values("article_id", "article__title")
        .annotate(n=Count("id"))
        .order_by("-n", "article__title")
    )
    shop_by_article = dict(
        clicks.filter(campaign=issue.slug, article__isnull=False).values_list("article_id").annotate(n=Count("id"))
    )
    summary = Table(
        caption="Summary",
        headers=["", "Subscribers"],
        rows=[
            ["Recipients", counts["recipients"]],
            ["Sent", counts["sent"]],
            ["Failed", counts["failed"]],
            ["Bounced (hard bounces reported by the mail provider)", counts["bounced"]],
            ["Marked as spam", counts["complained"]],
            ["Skipped (unsubscribed or suppressed during the send)", counts["skipped"]],
            ["Still to send", counts["waiting"]],
            ["Unsubscribed after receiving it", left.count()],
            ["Article clicks from it", sum(row["n"] for row in opened)],
            ["Shop clicks from it", sum(row["n"] for row in per_product)],
        ],
    )
    articles = Table(
        caption="Clicks per article",
        headers=["Article", "Opened from the email", "Shop clicks from its product cards"],
        rows=[[row["article__title"], row["n"], shop_by_article.get(row["article_id"], 0)] for row in opened],
        empty="No article clicks yet.",
    )
    products = Table(
        caption="Shop clicks per product",
        headers=["Product", "Clicks"],
        rows=[
            [
                f"{row['product__name']} in {row['product__colorway']}"
                if row["product__colorway"]
                else row["product__name"],
                row["n"],
            ]
            for row in per_product
        ],
        empty="No clicks yet.",
    )
    days = Table(
        caption=f"The first {FIRST_DAYS} days", headers=["Day", "Sent", "Shop clicks", "Unsubscribed"], rows=[]
    )
    if issue.started_at:
        first = timezone.localdate(issue.started_at)
        end = issue.started_at + timedelta(days=FIRST_DAYS)
        sent = _by_day(issue.deliveries.filter(state=state.SENT, sent_at__lt=end), "sent_at")
        clicked = _by_day(clicks.filter(created_at__gte=issue.started_at, created_at__lt=end), "created_at")
        unsubscribed = {
            row["day"]: row["n"]
            for row in left.filter(subscriber__unsubscribed_at__lt=end)
            .annotate(day=TruncDate("subscriber__unsubscribed_at"))
            .values("day")
            .annotate(n=Count("id"))
        }
        for offset in range(FIRST_DAYS):
            day = first + timedelta(days=offset)
            days.rows.append([day.isoformat(), sent.get(day, 0), clicked.get(day, 0), unsubscribed.get(day, 0)])
    return [summary, articles, products, days]


def write_csv(out, issue, tables: list[Table]) -> None:
    """The tables one after another (each with its caption and headers), formula-safe."""
    writer = SpreadsheetWriter(out)
    writer.writerow(["Newsletter issue", issue.subject, issue.slug])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.headers)
        writer.writerows(table.rows)


def article_signups(days, viewer) -> tuple[ArticleFigures, list[Section]]:
    """For “Articles that sell”: signups made from each article's page in these days.

    Only confirmed subscribers count as signups; those still to confirm are shown apart
    (an address that left since counts in neither). Two queries. The numbers link to the
    subscriber list only for viewers who may open it (Editors may not: it holds addresses).
    """
    made = Subscriber.objects.filter(
        source_article__isnull=False, created_at__gte=days.since, created_at__lt=days.until
    ).order_by()
    counts = {}  # article id -> [title, confirmed, pending]
    for index, queryset in ((1, made.confirmed()), (2, made.pending())):
        for row in queryset.values("source_article_id", "source_article__title").annotate(n=Count("id")):
            counts.setdefault(row["source_article_id"], [row["source_article__title"], 0, 0])[index] = row["n"]
    may_open = viewer is None or viewer.has_perm("newsletter.view_subscriber")

    def cell(pk, n, status):
        if not (n and may_open):
            return n
        query = {
            "source_article__id__exact": pk,
            "status__exact": status,
            "created_at__gte": days.since.isoformat(),
            "created_at__lt": days.until.isoformat(),
        }
        return Link(n, reverse("admin:newsletter_subscriber_changelist") + "?" + urlencode(query))

    cells = {
        pk: [cell(pk, confirmed, Subscriber.Status.CONFIRMED), cell(pk, pending, Subscriber.Status.PENDING)]
        for pk, (_, confirmed, pending) in counts.items()
    }
    figures = ArticleFigures(
        headers=["Confirmed signups", "Pending signups"],
        sort_keys=["signups", "pending"],
        cells=cells,
        blank=[0, 0],
        titles={pk: title for pk, (title, _, _) in counts.items()},
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1][1], -item[1][2], item[1][0]))
    rows = [[title, *cells[pk]] for pk, (title, _, _) in ranked]
    table = Table(
        "Newsletter signups per article",
        ["Article", "Confirmed", "Awaiting confirmation"],
        rows,
        empty="No signups from articles in these days.",
    )
    return figures, [Section("signups", table, bars("Confirmed newsletter signups per article", rows))]
