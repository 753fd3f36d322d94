"""Mail goes out in the background, never inside the request."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .emails import confirmation_message, welcome_message
from .models import Subscriber

MESSAGES = {"confirm": confirmation_message, "welcome": welcome_message}
# A failed send is tried again after these delays, where the backend can wait
# (the database backend in production); after that staff resend from the admin.
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)]


@task()
def send_subscriber_email(subscriber_id: int, kind: str) -> bool:
    """Send one email; a failure is recorded on the subscriber, retried later, and raised."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return False
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
