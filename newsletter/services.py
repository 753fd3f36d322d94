"""Writes for the newsletter: signups, confirmations and unsubscribes (each also queues mail)."""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from .models import Subscriber
from .tasks import send_subscriber_email

# A pending address gets at most one confirmation email in this window, however
# often (or from however many places) someone signs it up.
RESEND_AFTER = timedelta(minutes=10)


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
) -> Subscriber:
    """Record a signup request. New, pending and unsubscribed addresses become pending (or confirmed
    without double opt-in) and get mail; a confirmed address is left as it is. Callers answer the
    visitor the same way in every case, so the form never tells who is on the list."""
    now = timezone.now()
    double_opt_in = settings.NEWSLETTER_DOUBLE_OPT_IN
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email, signed_up_at=now)
            except IntegrityError:
                # The same address arrived concurrently and the unique constraint kept
                # one row: that request records the consent and sends the mail.
                return Subscriber.objects.get(email__iexact=email)
        elif subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber

        recently_mailed = (
            subscriber.status == Subscriber.Status.PENDING
            and subscriber.email_sent_at is not None
            and subscriber.email_sent_at > now - RESEND_AFTER
        )
        subscriber.signed_up_at = now
        subscriber.source_url = source_url[:300]
        subscriber.source_article = article_for(source_url) if source_url else None
        subscriber.placement = placement
        subscriber.consent_version = settings.NEWSLETTER_CONSENT_VERSION
        subscriber.ip_address = stored_ip(ip)
        if double_opt_in:
            subscriber.status = Subscriber.Status.PENDING
        else:
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = now
            subscriber.unsubscribed_at = None
        subscriber.save()
        if not recently_mailed:
            _queue(subscriber, "confirm" if double_opt_in else "welcome")
    return subscriber


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
    """Queue the confirmation email again (staff retrying a failed send)."""
    if subscriber.status == Subscriber.Status.PENDING:
        _queue(subscriber, "confirm")
