"""Sending an issue: one delivery row per recipient, each sent at most once, in throttled runs.

How a send survives a crash (tests/newsletter/test_sending_worker.py kills a
real worker mid-send and counts what a real SMTP server received):

1. When sending starts, `deliveries_create()` writes a Delivery row for every
   deliverable subscriber (confirmed, address not suppressed) in one transaction (bulk inserts; the unique
   (issue, subscriber) constraint makes a repeat add nothing).
2. Before any SMTP, `claim_next()` commits the row's claim: state SENDING with
   claimed_at. One conditional UPDATE decides between concurrent workers.
3. After the server accepted the message, `deliver()` marks the row SENT.

A row is only claimed again when it is QUEUED (a temporary failure waiting for
its retry) or when its claim is older than NEWSLETTER_SEND_CLAIM_TIMEOUT, which
is longer than one SMTP exchange can take: its worker died (such rows are taken
once no queued row is due). The one window
left is a crash after the server answered 250 and before the SENT update
committed, one UPDATE of one row by primary key (a millisecond or two): that
recipient gets the message a second time, with the same Message-ID, which
Gmail and most clients collapse into one. It is at most one message per
crashed worker per crash; a crash anywhere else loses nothing and repeats
nothing (a message the server had not accepted when the connection died is
not delivered, RFC 5321 §4.1.1.4).
"""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core.pagecache import bump_generation

from .emails import issue_message
from .models import Delivery, Issue, Subscriber, Suppression

# A temporary failure (4xx, a dropped connection) is tried again after these delays.
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)]
INSERT_BATCH = 1000


class Outcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


def deliveries_create(issue_id: int) -> bool:
    """Start a scheduled issue whose time has come: a Delivery for every confirmed subscriber, in one
    transaction. Returns False when the issue is not (or no longer) waiting to start."""
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        # A run queued for a time that was since changed (unscheduled, scheduled again later) starts nothing.
        if issue is None or issue.status != Issue.Status.SCHEDULED or issue.send_at > timezone.now():
            return False
        recipients = Subscriber.objects.deliverable().order_by("pk").values_list("pk", flat=True)
        batch = []
        for subscriber_id in recipients.iterator(chunk_size=INSERT_BATCH):
            batch.append(Delivery(issue_id=issue_id, subscriber_id=subscriber_id))
            if len(batch) == INSERT_BATCH:
                Delivery.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        Delivery.objects.bulk_create(batch, ignore_conflicts=True)
        Issue.objects.filter(pk=issue_id).update(status=Issue.Status.SENDING, started_at=timezone.now())
    return True


def _first(issue_id: int, condition: Q) -> Delivery | None:
    return (
        Delivery.objects.filter(condition, issue_id=issue_id)
        .select_related("subscriber")
        .annotate(is_suppressed=Suppression.objects.for_address(OuterRef("subscriber__email")))
        .order_by("pk")
        .first()
    )


def claim_next(issue_id: int) -> Delivery | None:
    """Claim the next delivery due (committed before the caller talks SMTP), with its subscriber and
    whether its address is suppressed (`is_suppressed`); None when nothing is due now.

    Two queries, the candidate and the UPDATE only one claimer can win; a third
    once no queued row is due, for the claims of dead workers.
    """
    stale = timezone.now() - timedelta(seconds=settings.NEWSLETTER_SEND_CLAIM_TIMEOUT)
    due = Q(state=Delivery.State.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
    abandoned = Q(state=Delivery.State.SENDING, claimed_at__lt=stale)
    while True:
        # One state per query, so the database walks the (issue, state, id) index from the first row due:
        # with both states ORed it stepped past every row sent already, N²/2 rows for a send to N.
        delivery = _first(issue_id, due) or _first(issue_id, abandoned)
        if delivery is None:
            return None
        now = timezone.now()
        won = Delivery.objects.filter(pk=delivery.pk, state=delivery.state, claimed_at=delivery.claimed_at).update(
            state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if won:
            delivery.state, delivery.claimed_at, delivery.attempts = Delivery.State.SENDING, now, delivery.attempts + 1
            return delivery
        # Another worker claimed it between our two queries: take the next one.


def _smtp_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _is_permanent(exc: Exception) -> bool:
    """5xx: the server refused for good. Anything else (4xx, a dropped connection) may pass later."""
    code = _smtp_code(exc)
    return code is not None and 500 <= code < 600


def may_send(delivery: Delivery) -> bool:
    """Return True if a claimed delivery may still go out: its subscriber confirmed, its address not suppressed."""
    return delivery.subscriber.is_confirmed() and not delivery.is_suppressed


def deliver(delivery: Delivery, content: dict, connection) -> str:
    """Send one claimed delivery (from claim_next()) through `connection` and record what happened (one UPDATE)."""
    if not may_send(delivery):
        # Unsubscribed or suppressed since the send started: never mailed from now on.
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SKIPPED)
        return Outcome.SKIPPED
    message = issue_message(content, delivery.subscriber, delivery=delivery)
    message.connection = connection
    try:
        connection.open()  # no-op while open; after a dropped connection, a new one kept for the next messages
        message.send()
    except Exception as exc:
        error = f"{timezone.now():%Y-%m-%d %H:%M} {type(exc).__name__}: {exc}"[:2000]
        if _is_permanent(exc) or delivery.attempts >= settings.NEWSLETTER_SEND_MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, error=error)
            return Outcome.FAILED
        delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.QUEUED, next_attempt_at=timezone.now() + delay, error=error
        )
        if isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException):
            connection.close()  # a dead connection: the next delivery opens a new one
        return Outcome.RETRY
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), error="")
    return Outcome.SENT


def finish_if_done(issue_id: int) -> bool:
    """Mark the issue sent once no delivery is waiting or being sent. True when it is sent."""
    open_deliveries = Delivery.objects.filter(
        issue=OuterRef("pk"), state__in=[Delivery.State.QUEUED, Delivery.State.SENDING]
    )
    finished = (
        Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING)
        .filter(~Exists(open_deliveries))
        .update(status=Issue.Status.SENT, finished_at=timezone.now())
    )
    if finished:
        bump_generation()  # the public archive lists it from now on
    return Issue.objects.filter(pk=issue_id, status=Issue.Status.SENT).exists()
