from django.db import IntegrityError, transaction

from .models import Subscriber


def subscriber_create(*, email: str, source: str = "") -> Subscriber:
    """Store a signup once per address (case-insensitively), even when two arrive at once."""
    existing = Subscriber.objects.filter(email__iexact=email).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email, source=source[:300])
    except IntegrityError:
        # A concurrent signup for the same address won the race; the database's
        # case-insensitive unique constraint kept it to one row.
        return Subscriber.objects.get(email__iexact=email)
