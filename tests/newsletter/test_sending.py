"""Sending an issue through a real SMTP server on 127.0.0.1: who gets it, what it holds, retries and failures."""

import io
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletter.models import Delivery, Issue, Subscriber
from newsletter.sending import claim_next, deliveries_create
from newsletter.services import issue_schedule, issue_unschedule, subscriber_unsubscribe
from newsletter.tasks import send_issue_batch
from newsletter.tokens import subscriber_from_unsubscribe_token
from tests.factories import make_article, make_issue, make_product, make_subscriber

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NEWSLETTER_SEND_PER_MINUTE = 0


@pytest.fixture
def issue():
    article = make_article(title="Knee pain and your feet", slug="knee-pain", excerpt="How they work together.")
    return make_issue(subject="December", slug="december", articles=[article], products=[make_product(slug="atom")])


def _start(issue):
    """The issue as issue_schedule() leaves it for its first run, due now."""
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    return issue.pk


def _worker():
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())


def _states(issue):
    return dict(Delivery.objects.filter(issue=issue).values_list("subscriber__email", "state"))


def test_each_confirmed_subscriber_gets_one_personal_message(issue, smtp_server):
    readers = [make_subscriber(f"reader{i}@example.com") for i in range(3)]
    make_subscriber("pending@example.com", status="pending")
    make_subscriber("left@example.com", status="unsubscribed")
    assert send_issue_batch.call(_start(issue)) == 3

    assert sorted(smtp_server.recipients()) == sorted(r.email for r in readers)
    message_ids = set()
    for reader in readers:
        (message,) = smtp_server.to(reader.email)
        assert message["Subject"] == "December" and message["To"] == reader.email
        assert message["List-Id"] == "KURU newsletter <newsletter.127.0.0.1>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = message["List-Unsubscribe"].strip().strip("<>")  # a long header is folded
        assert link.startswith("http://127.0.0.1:8000/newsletter/unsubscribe/")
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert subscriber_from_unsubscribe_token(token) == reader  # that recipient's own token
        message_ids.add(message["Message-ID"])
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for part in (text, html):
            assert "Knee pain and your feet" in part and link in part
            assert "KURU Footwear, 2901 Main Street" in part
        article_link = next(word for word in text.split() if "/knee-pain/" in word)
        assert urlsplit(article_link).path == f"/newsletter/read/{issue.pk}/knee-pain/"
        assert f"/go/atom/?placement=newsletter-{issue.pk}&campaign=december" in text
    assert len(message_ids) == 3
    issue.refresh_from_db()
    assert issue.status == "sent" and issue.started_at and issue.finished_at
    assert set(_states(issue).values()) == {"sent"}


def test_a_temporary_refusal_is_retried_later_and_a_permanent_one_fails(issue, smtp_server):
    make_subscriber("ok@example.com")
    make_subscriber("later@example.com")
    make_subscriber("gone@example.com")
    smtp_server.rcpt_replies = {
        "later@example.com": ["451 4.3.0 Try again later"],
        "gone@example.com": ["550 5.1.1 No such user"],
    }
    send_issue_batch.call(_start(issue))
    assert sorted(smtp_server.recipients()) == ["ok@example.com"]
    assert _states(issue) == {"ok@example.com": "sent", "later@example.com": "queued", "gone@example.com": "failed"}
    later = Delivery.objects.get(subscriber__email="later@example.com")
    assert later.next_attempt_at > timezone.now() + timedelta(seconds=50) and "451" in later.error
    assert "550" in Delivery.objects.get(subscriber__email="gone@example.com").error
    # Not due yet: a run now sends nothing, and the issue is still sending.
    send_issue_batch.call(issue.pk)
    assert Issue.objects.get().status == "sending" and len(smtp_server.messages) == 1

    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now())
    send_issue_batch.call(issue.pk)
    assert sorted(smtp_server.recipients()) == ["later@example.com", "ok@example.com"]
    later.refresh_from_db()
    assert later.state == "sent" and later.attempts == 2 and later.error == ""
    assert Issue.objects.get().status == "sent"


def test_temporary_refusals_fail_after_the_last_attempt(issue, smtp_server, settings):
    settings.NEWSLETTER_SEND_MAX_ATTEMPTS = 3
    make_subscriber("busy@example.com")
    smtp_server.rcpt_replies = {"busy@example.com": ["452 4.2.2 Mailbox full"] * 5}
    send_issue_batch.call(_start(issue))
    for _ in range(2):
        Delivery.objects.update(next_attempt_at=timezone.now())
        send_issue_batch.call(issue.pk)
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == 3 and "452" in delivery.error
    assert smtp_server.messages == [] and Issue.objects.get().status == "sent"


def test_a_dropped_connection_is_a_temporary_failure(issue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    make_subscriber("a@example.com")
    send_issue_batch.call(_start(issue))
    delivery = Delivery.objects.get()
    assert delivery.state == "queued" and delivery.next_attempt_at and "ConnectionRefused" in delivery.error


def test_an_address_that_unsubscribes_during_the_send_is_skipped(issue, smtp_server):
    stays, leaves = make_subscriber("stays@example.com"), make_subscriber("leaves@example.com")
    issue_id = _start(issue)
    assert deliveries_create(issue_id)
    subscriber_unsubscribe(subscriber=leaves)
    send_issue_batch.call(issue_id)
    assert smtp_server.recipients() == [stays.email]
    assert _states(issue) == {"stays@example.com": "sent", "leaves@example.com": "skipped"}
    assert Issue.objects.get().status == "sent"


def test_recipients_are_made_in_one_step_and_once(issue, django_assert_num_queries):
    for i in range(5):
        make_subscriber(f"r{i}@example.com")
    issue_id = _start(issue)
    # Savepoint, lock, the confirmed ids, one insert, the status update, release.
    with django_assert_num_queries(6):
        assert deliveries_create(issue_id)
    assert Delivery.objects.filter(issue=issue).count() == 5
    assert not deliveries_create(issue_id)  # started already
    Issue.objects.filter(pk=issue_id).update(status=Issue.Status.SCHEDULED)
    assert deliveries_create(issue_id) and Delivery.objects.count() == 5  # the unique pair adds nothing


def test_the_send_loop_costs_three_queries_per_recipient(issue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    counts = {}
    for n in (2, 5):
        Delivery.objects.all().delete()
        Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
        while Subscriber.objects.count() < n:
            make_subscriber()
        with CaptureQueriesContext(connection) as queries:
            assert send_issue_batch.call(issue.pk) == n
        counts[n] = len(queries)
    # Per recipient: the claim's candidate (with its subscriber), the claim, the mark.
    assert counts[5] - counts[2] == 3 * 3
    # And a fixed rest: starting (6), the issue, finished yet (2), its articles and products (2),
    # the last, empty, claim (due, then abandoned: 2), finished now (2).
    assert counts[2] == 15 + 2 * 3


def test_claims_are_exclusive_and_an_abandoned_one_is_taken_again(issue, settings):
    make_subscriber("a@example.com")
    make_subscriber("b@example.com")
    issue_id = _start(issue)
    deliveries_create(issue_id)
    first, second = claim_next(issue_id), claim_next(issue_id)
    assert first.pk != second.pk and claim_next(issue_id) is None
    # A claim younger than the timeout belongs to a live worker; an older one to a dead worker.
    settings.NEWSLETTER_SEND_CLAIM_TIMEOUT = 60
    Delivery.objects.filter(pk=first.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    again = claim_next(issue_id)
    assert again.pk == first.pk and again.attempts == 2 and claim_next(issue_id) is None


# db_worker closes old connections between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_throttled_and_each_run_bounded_then_the_next_run_goes_on(issue, smtp_server, settings):
    settings.TASKS = DB_TASKS
    settings.NEWSLETTER_SEND_PER_MINUTE = 120  # one every half second
    settings.NEWSLETTER_SEND_RUN_SECONDS = 1.2
    from django_tasks_db.models import DBTaskResult

    for i in range(4):
        make_subscriber(f"t{i}@example.com")
    started = time.monotonic()
    sent = send_issue_batch.call(_start(issue))
    elapsed = time.monotonic() - started
    assert sent == 3 and elapsed >= 1.0  # at 0, 0.5 and 1.0 seconds; the fourth would be past the run's end
    (following,) = DBTaskResult.objects.filter(status="READY")
    assert following.task_path == "newsletter.tasks.send_issue_batch" and following.args_kwargs["args"] == [issue.pk]
    assert following.run_after > timezone.now()
    DBTaskResult.objects.filter(pk=following.pk).update(run_after=timezone.now())
    _worker()
    assert len(smtp_server.recipients()) == 4 and Issue.objects.get().status == "sent"


# db_worker closes old connections between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_scheduled_send_waits_for_its_time_and_takes_who_is_confirmed_then(
    issue, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    make_subscriber("early@example.com")
    send_at = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        issue_schedule(issue=issue, send_at=send_at)
    (task,) = DBTaskResult.objects.all()
    assert task.run_after == send_at and Issue.objects.get().status == "scheduled"
    _worker()
    assert smtp_server.messages == [] and not Delivery.objects.exists()

    make_subscriber("late@example.com")  # confirmed before the time comes
    Issue.objects.update(send_at=timezone.now())
    DBTaskResult.objects.update(run_after=timezone.now())
    _worker()
    assert sorted(smtp_server.recipients()) == ["early@example.com", "late@example.com"]
    assert Issue.objects.get().status == "sent"


# db_worker closes old connections between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_an_unscheduled_issue_is_not_sent_by_its_old_task(
    issue, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    make_subscriber()
    with django_capture_on_commit_callbacks(execute=True):
        issue_schedule(issue=issue, send_at=timezone.now() + timedelta(minutes=5))
    assert DBTaskResult.objects.count() == 1
    assert issue_unschedule(issue=issue)
    DBTaskResult.objects.update(run_after=timezone.now())
    _worker()
    assert smtp_server.messages == [] and Issue.objects.get().status == "draft"


def test_one_click_from_a_received_message_stops_the_rest_of_the_send(issue, smtp_server, client):
    first, second = make_subscriber("first@example.com"), make_subscriber("second@example.com")
    issue_id = _start(issue)
    deliveries_create(issue_id)
    Delivery.objects.filter(subscriber=second).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    send_issue_batch.call(issue_id)
    (message,) = smtp_server.to(first.email)
    # A mailbox provider's RFC 8058 one-click request: a POST without cookies or CSRF token.
    leave = urlsplit(message["List-Unsubscribe"].strip().strip("<>")).path
    response = client.post(leave, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == "unsubscribed"
    # The second's message was not due; when it is, the first has left and the second is still there.
    subscriber_unsubscribe(subscriber=second)
    Delivery.objects.update(next_attempt_at=timezone.now())
    send_issue_batch.call(issue_id)
    assert smtp_server.recipients() == [first.email]
    assert _states(issue) == {"first@example.com": "sent", "second@example.com": "skipped"}


def test_a_claim_timeout_below_the_smtp_timeout_is_warned_about(settings):
    from newsletter.checks import check_claim_outlasts_smtp

    assert check_claim_outlasts_smtp(None) == []
    settings.NEWSLETTER_SEND_CLAIM_TIMEOUT, settings.EMAIL_TIMEOUT = 20, 20
    (warning,) = check_claim_outlasts_smtp(None)
    assert warning.id == "newsletter.W002"
