from .models import Subscriber


def subscriber_create(*, email: str, source: str = "") -> Subscriber:
    """Store a signup once per address (case-insensitively); a repeat signup changes nothing."""
    existing = Subscriber.objects.filter(email__iexact=email).first()
    if existing:
        return existing
    return Subscriber.objects.create(email=email, source=source[:300])
