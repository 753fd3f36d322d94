"""Mail goes out in the background, never inside the request."""

from django.utils import timezone
from django_tasks import task

from .emails import confirmation_message, welcome_message
from .models import Subscriber

MESSAGES = {"confirm": confirmation_message, "welcome": welcome_message}


@task()
def send_subscriber_email(subscriber_id: int, kind: str) -> bool:
    """Send one email; a failure is recorded on the subscriber (and raised, so the task shows as failed)."""
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
        raise
    Subscriber.objects.filter(pk=subscriber_id).update(
        email_attempts=attempts, email_sent_at=timezone.now(), email_error=""
    )
    return True
