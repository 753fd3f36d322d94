"""Mail goes out in the background, never inside the request."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import task

from .emails import confirmation_message, issue_content, issue_message, welcome_message
from .models import Issue, Subscriber, Suppression
from .sending import Outcome, claim_next, deliver, deliveries_create, finish_if_done, may_send

MESSAGES = {"confirm": confirmation_message, "welcome": welcome_message}
# A failed send is tried again after these delays, where the backend can wait
# (the database backend in production); after that staff resend from the admin.
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)]


@task()
def send_subscriber_email(subscriber_id: int, kind: str) -> bool:
    """Send one email; a failure is recorded on the subscriber, retried later, and raised."""
    # Off the list (unsubscribed, bounced, complained) since the mail was queued: none goes.
    subscriber = Subscriber.objects.on_the_list().filter(pk=subscriber_id).first()
    if subscriber is None:
        return False
    if Suppression.objects.is_suppressed(subscriber.email):
        return False  # it bounced or complained before: no mail of any kind goes there
    if kind == "confirm" and subscriber.status != Subscriber.Status.PENDING:
        return False
    attempts = subscriber.email_attempts + 1
    try:
        MESSAGES[kind](subscriber).send()
    except Exception as exc:
        Subscriber.objects.filter(pk=subscriber_id).update(
            email_attempts=attempts, email_error=f"{timezone.now():%Y-%m-%d %H:%M} {type(exc).__name__}: {exc}"[:2000]
        )
        if send_subscriber_email.get_backend().supports_defer and attempts <= len(RETRY_DELAYS):
            send_subscriber_email.using(run_after=timezone.now() + RETRY_DELAYS[attempts - 1]).enqueue(
                subscriber_id, kind
            )
        raise
    Subscriber.objects.filter(pk=subscriber_id).update(
        email_attempts=attempts, email_sent_at=timezone.now(), email_error=""
    )
    return True


@task()
def send_issue_batch(issue_id: int) -> int:
    """Send an issue for up to NEWSLETTER_SEND_RUN_SECONDS, at NEWSLETTER_SEND_PER_MINUTE; return how many were sent.

    The first run creates the deliveries. Each run queues the next one before it
    sends anything, so a worker killed mid-run leaves the send to that next run
    (newsletter/sending.py says why nobody gets a message twice). With a backend
    that cannot defer (the immediate one, in development) a run sends everything.
    """
    deliveries_create(issue_id)
    issue = Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).first()
    if issue is None:
        return 0
    if finish_if_done(issue_id):
        return 0
    run_seconds = settings.NEWSLETTER_SEND_RUN_SECONDS
    deadline = None
    if send_issue_batch.get_backend().supports_defer:
        send_issue_batch.using(run_after=timezone.now() + timedelta(seconds=run_seconds)).enqueue(issue_id)
        deadline = time.monotonic() + run_seconds
    per_minute = settings.NEWSLETTER_SEND_PER_MINUTE
    interval = 60 / per_minute if per_minute > 0 else 0
    content = issue_content(issue)
    sent = 0
    connection = get_connection()
    next_slot = time.monotonic()
    try:
        while deadline is None or next_slot < deadline:
            delivery = claim_next(issue_id)
            if delivery is None:
                break
            if not may_send(delivery):
                deliver(delivery, content, connection)  # skipped: takes no slot
                continue
            time.sleep(max(0.0, next_slot - time.monotonic()))
            next_slot = time.monotonic() + interval
            sent += deliver(delivery, content, connection) == Outcome.SENT
    finally:
        connection.close()
    finish_if_done(issue_id)
    return sent


@task()
def send_issue_test(issue_id: int, email: str) -> bool:
    """Send the issue as it stands to one staff address (“Send a test to me”), marked as a test."""
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None or Suppression.objects.is_suppressed(email):
        return False
    content = issue_content(issue)
    recipient = Subscriber.objects.filter(email__iexact=email).first() or Subscriber(email=email)
    message = issue_message(content, recipient)
    message.subject = f"[Test] {issue.subject}"
    message.send()
    return True
