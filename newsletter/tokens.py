"""Signed, expiring links for confirming and leaving the list (django.core.signing)."""

import hashlib

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


def _fingerprint(email: str) -> str:
    # Binds a link to the address it was sent to, without putting it in the URL.
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def make_token(subscriber, salt: str) -> str:
    return signing.dumps({"id": subscriber.pk, "e": _fingerprint(subscriber.email)}, salt=salt, compress=True)


def read_token(token: str, salt: str, max_age: int):
    """Return the Subscriber the token names, or None when it is bad, expired or stale."""
    from .models import Subscriber

    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    subscriber = Subscriber.objects.filter(pk=data.get("id")).first()
    if subscriber is None or _fingerprint(subscriber.email) != data.get("e"):
        return None
    return subscriber


def confirm_token(subscriber) -> str:
    return make_token(subscriber, CONFIRM_SALT)


def unsubscribe_token(subscriber) -> str:
    return make_token(subscriber, UNSUBSCRIBE_SALT)


def subscriber_from_confirm_token(token):
    return read_token(token, CONFIRM_SALT, settings.NEWSLETTER_CONFIRM_MAX_AGE)


def subscriber_from_unsubscribe_token(token):
    return read_token(token, UNSUBSCRIBE_SALT, settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE)
