"""Writes for the newsletter: signups, confirmations and unsubscribes (each also queues mail), suppressions."""

import ipaddress
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_tasks import task

from .models import Delivery, Issue, Subscriber, Suppression
from .tasks import send_issue_batch, send_issue_test, send_subscriber_email

# What a subscriber becomes when its address is suppressed for each reason.
SUPPRESSED_STATUS = {
    Suppression.Reason.BOUNCE: Subscriber.Status.BOUNCED,
    Suppression.Reason.COMPLAINT: Subscriber.Status.COMPLAINED,
}
# Off the list: a signup starts again from pending (or confirmed without double opt-in).
LEFT = {Subscriber.Status.UNSUBSCRIBED, *SUPPRESSED_STATUS.values()}
# A pending address gets at most one confirmation email in this window, however
# often (or from however many places) someone signs it up.
RESEND_AFTER = timedelta(minutes=10)
# What a signup writes besides the row itself.
CONSENT_FIELDS = [
    "signed_up_at",
    "source_url",
    "source_article",
    "placement",
    "consent_version",
    "ip_address",
    "status",
    "confirmed_at",
    "unsubscribed_at",
]


def stored_ip(ip: str | None) -> str | None:
    """The client address as NEWSLETTER_IP_STORAGE says to keep it."""
    mode = settings.NEWSLETTER_IP_STORAGE
    if not ip or mode == "none":
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if mode == "full":
        return str(address)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def article_for(path: str):
    """The published article a signup came from, if its page was an article page."""
    from articles.models import Article

    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return None
    if match.view_name != "articles:detail":
        return None
    return Article.objects.filter(slug=match.kwargs.get("slug")).first()


def _queue(subscriber, kind):
    transaction.on_commit(lambda: send_subscriber_email.enqueue(subscriber.pk, kind))


def subscriber_signup(
    *, email: str, source_url: str = "", placement: str = Subscriber.Placement.OTHER, ip: str | None = None
) -> None:
    """Queue a signup request for record_signup; nothing is read or written here.

    This is the same work for new, pending, confirmed and unsubscribed addresses,
    so a view that calls it once its answer is sent answers every address alike,
    in content and in time.
    """
    record_signup.enqueue(
        email=email,
        source_url=source_url[:300],
        placement=placement,
        ip=stored_ip(ip),
        requested_at=timezone.now().isoformat(),
    )


@task()
def record_signup(*, email: str, source_url: str, placement: str, ip: str | None, requested_at: str) -> None:
    """Record a signup request (a task queued by subscriber_signup; `ip` is already as stored).

    New, pending and unsubscribed addresses become pending (or confirmed without
    double opt-in) and get mail; a confirmed address is left as it is. However
    many requests for one address arrive at once, one mail is queued per
    RESEND_AFTER: the database grants that with one conditional UPDATE.
    """
    now = datetime.fromisoformat(requested_at)
    double_opt_in = settings.NEWSLETTER_DOUBLE_OPT_IN
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email, signed_up_at=now)
            except IntegrityError:
                # The same address arrived concurrently and the unique constraint kept
                # one row (committed by now): go on with it; the claim below mails once.
                subscriber = Subscriber.objects.select_for_update().get(email__iexact=email)
        if (suppression := Suppression.objects.in_force(email)) is not None:
            # No mail goes there, so no confirmation could: the address stays off the list until
            # staff lift the suppression and it signs up again.
            Subscriber.objects.filter(pk=subscriber.pk).on_the_list().update(
                status=SUPPRESSED_STATUS[suppression.reason]
            )
            return
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return

        # Someone who left (or whose suppression was lifted) and signs up again gets a fresh link at once.
        returning = subscriber.status in LEFT
        subscriber.signed_up_at = now
        subscriber.source_url = source_url
        subscriber.source_article = article_for(source_url) if source_url else None
        subscriber.placement = placement
        subscriber.consent_version = settings.NEWSLETTER_CONSENT_VERSION
        subscriber.ip_address = ip
        if double_opt_in:
            subscriber.status = Subscriber.Status.PENDING
        else:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = now
            subscriber.unsubscribed_at = None
        # Every field but email_queued_at, which only claim_mail() writes.
        subscriber.save(update_fields=CONSENT_FIELDS)
        claimable = timezone.now() if returning else timezone.now() - RESEND_AFTER
        if Subscriber.objects.filter(pk=subscriber.pk).claim_mail(since=claimable):
            _queue(subscriber, "confirm" if double_opt_in else "welcome")


def subscriber_confirm(*, subscriber: Subscriber) -> bool:
    """Confirm a pending subscriber (the POST behind the emailed link). Returns False if not pending."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return True
        if subscriber.status != Subscriber.Status.PENDING:
            return False
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    return True


def subscriber_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Take an address off the list at once; the row stays, with unsubscribed_at."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


def subscriber_resend_confirmation(*, subscriber: Subscriber) -> None:
    """Queue the confirmation email again (staff retrying a failed send), whenever the last one was."""
    if subscriber.status == Subscriber.Status.PENDING:
        Subscriber.objects.filter(pk=subscriber.pk).update(email_queued_at=timezone.now())
        _queue(subscriber, "confirm")


class SendRefused(Exception):
    """Why an issue cannot be sent or scheduled, in words for staff."""


def issue_schedule(*, issue: Issue, send_at: datetime | None = None) -> Issue:
    """Send a draft issue to every confirmed subscriber now, or at `send_at`, through the task queue.

    Who gets it is decided when sending starts (a subscriber confirmed by then
    gets it, one who left does not). Raises SendRefused for anything but a draft
    with content, and for a future time the task backend cannot wait for.
    """
    now = timezone.now()
    later = send_at is not None and send_at > now
    if later and not send_issue_batch.get_backend().supports_defer:
        raise SendRefused("Scheduling needs the database task backend (TASKS_BACKEND=django_tasks_db.DatabaseBackend).")
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if issue.status != Issue.Status.DRAFT:
            raise SendRefused(f"This issue is {issue.get_status_display().lower()} already.")
        if not (issue.intro_html or issue.article_items.exists() or issue.product_items.exists()):
            raise SendRefused("Add an introduction, an article or a product before sending.")
        issue.status = Issue.Status.SCHEDULED
        issue.send_at = send_at if later else now
        issue.save(update_fields=["status", "send_at", "updated_at"])
        task = send_issue_batch.using(run_after=issue.send_at) if later else send_issue_batch
        transaction.on_commit(lambda: task.enqueue(issue.pk))
    return issue


def issue_unschedule(*, issue: Issue) -> bool:
    """Take a scheduled issue back to draft before it starts. False once sending has begun."""
    return bool(Issue.objects.filter(pk=issue.pk, status=Issue.Status.SCHEDULED).update(status=Issue.Status.DRAFT))


def issue_send_test(*, issue: Issue, email: str) -> None:
    """Queue the issue, as it stands, to one staff address. Raises SendRefused if the address is suppressed.

    The task checks again when it sends (a bounce may arrive in between); this
    check is so staff hear why no test came, rather than waiting for it.
    """
    suppression = Suppression.objects.in_force(email)
    if suppression is not None:
        raise SendRefused(
            f"No test was sent: {suppression.email} is suppressed "
            f"({suppression.get_reason_display().lower()} reported by {suppression.source} "
            f"on {suppression.created_at:%Y-%m-%d}). Lift it under Newsletter › Suppressions to get tests again."
        )
    send_issue_test.enqueue(issue.pk, email)


# The Message-ID every issue delivery carries (Delivery.message_id), which providers report back.
_DELIVERY_MESSAGE_ID = re.compile(r"<issue-\d+\.delivery-(\d+)@")
BOUNCE_WINDOW = timedelta(days=3)


def _reported_delivery(email, message_id, delivery_id, *, latest_sent):
    """The issue delivery to `email` a provider's event is about, or None.

    Named by our Message-ID (Mailgun reports the header) or by the delivery's id
    (Postmark echoes the X-PM-Metadata-delivery header an issue carries). With
    `latest_sent`, for a provider that reports neither (MailerSend), the address's
    latest delivery sent in the last BOUNCE_WINDOW: hard bounces arrive within
    minutes, and once an address bounces, every recent message to it did.
    """
    deliveries = Delivery.objects.filter(subscriber__email__iexact=email)
    if match := _DELIVERY_MESSAGE_ID.search(message_id or ""):
        delivery_id = match[1]
    if delivery_id is not None:
        delivery_id = str(delivery_id)
        # Whatever the event's metadata holds, only a number a database column can store is looked up.
        if not (delivery_id.isascii() and delivery_id.isdigit() and 0 < int(delivery_id) < 2**63):
            return None
        return deliveries.filter(pk=delivery_id).first()
    if latest_sent:
        since = timezone.now() - BOUNCE_WINDOW
        return deliveries.filter(state=Delivery.State.SENT, sent_at__gte=since).order_by("-sent_at").first()
    return None


def suppression_record(
    *,
    email: str,
    reason: str,
    source: str,
    description: str = "",
    event_id: str | None = None,
    message_id: str | None = None,
    delivery_id: str | None = None,
    latest_sent: bool = False,
) -> Suppression:
    """Suppress an address for good (a hard bounce or a complaint), mark the bounced delivery and take
    the subscriber off the list.

    Idempotent: a repeated provider event (same event_id) changes nothing, and an
    address already suppressed keeps its first record. A hard bounce turns the
    delivery the event is about (_reported_delivery) from sent to bounced.
    A pending or confirmed subscriber at the address becomes bounced or complained
    (one who unsubscribed stays unsubscribed), so the admin, reports and sends agree.
    """
    email = email.strip().lower()
    with transaction.atomic():
        suppression = Suppression.objects.filter(event_id=event_id).first() if event_id else None
        if suppression is not None:
            return suppression
        delivery = _reported_delivery(email, message_id, delivery_id, latest_sent=latest_sent)
        if delivery is not None and reason == Suppression.Reason.BOUNCE:
            Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENT).update(state=Delivery.State.BOUNCED)
        Subscriber.objects.filter(email__iexact=email).on_the_list().update(status=SUPPRESSED_STATUS[reason])
        suppression = Suppression.objects.active().filter(email=email).first()
        if suppression is not None:
            return suppression
        try:
            with transaction.atomic():
                return Suppression.objects.create(
                    email=email,
                    reason=reason,
                    source=source[:60],
                    description=description[:2000],
                    event_id=event_id or None,
                    delivery=delivery,
                )
        except IntegrityError:
            # The same event or address arrived concurrently; the constraints kept one record.
            return Suppression.objects.active().get(email=email)


def suppression_lift(*, suppression: Suppression, user) -> bool:
    """Let a suppressed address be mailed again (staff, after confirming); the record stays. False if lifted already.

    The subscriber stays bounced or complained: lifting never puts anyone back on
    the list. The provider's report may have been right, and consent is the
    subscriber's to give again: signing up anew sends a confirmation (as for one
    who unsubscribed), and only confirming it makes them a subscriber again.
    """
    return bool(
        Suppression.objects.filter(pk=suppression.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=user
        )
    )
