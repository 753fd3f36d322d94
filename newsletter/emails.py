"""Every email to a subscriber, built in one place so each carries the unsubscribe headers."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.links import absolute_url as absolute

from .tokens import confirm_token, unsubscribe_token


def unsubscribe_url(subscriber) -> str:
    return absolute(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))


def subscriber_message(subscriber, *, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    """An email to one subscriber with RFC 8058 one-click unsubscribe headers."""
    leave = unsubscribe_url(subscriber)
    context = {**context, "subscriber": subscriber, "unsubscribe_url": leave}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        to=[subscriber.email],
        headers={"List-Unsubscribe": f"<{leave}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"newsletter/email/{template}.html", context), "text/html")
    return message


def confirmation_message(subscriber) -> EmailMultiAlternatives:
    confirm = absolute(reverse("newsletter:confirm", args=[confirm_token(subscriber)]))
    return subscriber_message(
        subscriber,
        subject="Confirm your KURU newsletter subscription",
        template="confirm",
        context={"confirm_url": confirm, "days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400},
    )


def welcome_message(subscriber) -> EmailMultiAlternatives:
    return subscriber_message(
        subscriber, subject="You’re subscribed to the KURU newsletter", template="welcome", context={}
    )
