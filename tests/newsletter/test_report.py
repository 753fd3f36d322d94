"""What an issue did: counts, clicks per product, the first days, and the CSV (formula-safe)."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter.models import Delivery, Issue
from newsletter.reports import issue_report
from products.models import Click
from tests.factories import make_issue, make_product, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    started = (timezone.now() - timedelta(days=2)).replace(hour=10, minute=0)  # an hour later is the same day
    boot = make_product(name='=HYPERLINK("http://evil")', colorway="")
    slide = make_product(name="MOMENT Slide", colorway="Gray")
    issue = make_issue(subject="December", slug="december", products=[boot, slide])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT, started_at=started, finished_at=started)
    issue.refresh_from_db()
    states = ["sent"] * 4 + ["failed", "skipped"]
    for i, state in enumerate(states):
        reader = make_subscriber(f"r{i}@example.com")
        Delivery.objects.create(
            issue=issue, subscriber=reader, state=state, sent_at=started if state == "sent" else None
        )
    # Two of the four who got it left afterwards; one had left before (a stale row: not counted).
    leaving = Delivery.objects.filter(state="sent").order_by("pk")
    for delivery, when in zip(leaving[:2], [started + timedelta(hours=1), started + timedelta(days=1)], strict=True):
        delivery.subscriber.__class__.objects.filter(pk=delivery.subscriber_id).update(
            status="unsubscribed", unsubscribed_at=when
        )
    before = leaving[2]
    before.subscriber.__class__.objects.filter(pk=before.subscriber_id).update(
        status="unsubscribed", unsubscribed_at=started - timedelta(days=1)
    )
    placement = f"newsletter-{issue.pk}"
    for product, n in ((boot, 3), (slide, 1)):
        for _ in range(n):
            Click.objects.create(product=product, placement=placement)
    Click.objects.create(product=slide, placement=placement, is_bot=True)
    Click.objects.create(product=slide, placement="card-1")  # not from the issue
    Click.objects.filter(product=slide, placement=placement).update(created_at=started + timedelta(days=1))
    Click.objects.filter(product=boot).update(created_at=started)
    return issue


def test_report_counts_what_the_issue_did(issue, django_assert_num_queries):
    with django_assert_num_queries(8):
        summary, articles, products, days = issue_report(issue)
    assert dict(summary.rows) == {
        "Recipients": 6,
        "Sent": 4,
        "Failed": 1,
        "Bounced (hard bounces reported by the mail provider)": 0,
        "Marked as spam": 0,
        "Skipped (unsubscribed or suppressed during the send)": 1,
        "Still to send": 0,
        "Unsubscribed after receiving it": 2,
        "Article clicks from it": 0,
        "Shop clicks from it": 4,
    }
    assert products.rows == [['=HYPERLINK("http://evil")', 3], ["MOMENT Slide in Gray", 1]]
    first = timezone.localdate(issue.started_at)
    assert days.rows[0] == [first.isoformat(), 4, 3, 1]
    assert days.rows[1] == [(first + timedelta(days=1)).isoformat(), 0, 1, 1]
    assert len(days.rows) == 7 and all(row[1:] == [0, 0, 0] for row in days.rows[3:])


def test_report_page_and_csv(staff_client, issue):
    page = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/report/")
    html = page.content.decode()
    assert page.status_code == 200 and "Unsubscribed after receiving it" in html and "<meter" in html
    change = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/change/").content.decode()
    assert f"/admin/newsletter/issue/{issue.pk}/report/" in change
    response = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/report/?format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="issue-december.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Newsletter issue", "December", "december"]
    assert ["Sent", "4"] in rows and ['\'=HYPERLINK("http://evil")', "3"] in rows  # never a formula


def test_report_needs_permission(client, django_user_model, issue):
    client.force_login(django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True))
    assert client.get(f"/admin/newsletter/issue/{issue.pk}/report/").status_code == 403
