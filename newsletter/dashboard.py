"""The newsletter's block of the admin dashboard (core/dashboard.py): who confirmed this week."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.dashboard import Block, Item, register

from .models import Subscriber


@register(60)
def new_subscribers(request):
    if not request.user.has_perm("newsletter.view_subscriber"):
        return None
    week = Subscriber.objects.confirmed().filter(confirmed_at__gte=timezone.now() - timedelta(days=7))
    count = week.count()
    latest = week.only("email", "confirmed_at").order_by("-confirmed_at", "-pk")[:5]
    items = [
        Item(
            s.email,
            reverse("admin:newsletter_subscriber_change", args=[s.pk]),
            f"{timezone.localtime(s.confirmed_at):%Y-%m-%d %H:%M %Z}",
        )
        for s in latest
    ]
    return Block(
        "New subscribers this week",
        items,
        empty="No one confirmed this week.",
        summary=f"{count} confirmed in the last 7 days." if count else "",
        more_url=reverse("admin:newsletter_subscriber_changelist") + "?status__exact=confirmed",
        more_label="All subscribers",
    )
