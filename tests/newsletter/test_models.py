from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter.models import Subscriber


@pytest.mark.django_db
def test_claim_mail_grants_one_email_per_window():
    subscriber = Subscriber.objects.create(email="one@example.com")
    rows = Subscriber.objects.filter(pk=subscriber.pk)
    window_start = timezone.now() - timedelta(minutes=10)
    assert rows.claim_mail(since=window_start) is True
    assert rows.claim_mail(since=window_start) is False  # queued inside the window
    assert rows.claim_mail(since=timezone.now() + timedelta(seconds=1)) is True  # the window has passed
    subscriber.refresh_from_db()
    assert subscriber.email_queued_at is not None
