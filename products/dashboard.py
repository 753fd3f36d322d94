"""The shop's block of the admin dashboard (core/dashboard.py): ratings waiting for moderation."""

from django.urls import reverse

from core.dashboard import Block, Item, register

from .models import Rating


@register(50)
def ratings_to_moderate(request):
    if not request.user.has_perm("products.change_rating"):
        return None
    pending = Rating.objects.filter(status=Rating.Status.PENDING)
    count = pending.count()
    ratings = pending.select_related("product").only("stars", "title", "product__name").order_by("created_at", "pk")
    items = [
        Item(
            f"{r.stars}★ {r.title or 'Untitled'}", reverse("admin:products_rating_change", args=[r.pk]), r.product.name
        )
        for r in ratings[:5]
    ]
    return Block(
        "Ratings waiting for moderation",
        items,
        empty="No rating waits.",
        summary=f"{count} waiting, oldest first." if count else "",
        more_url=reverse("admin:products_rating_changelist") + "?status__exact=pending",
        more_label="Moderate ratings",
    )


@register(70)
def reports(request):
    if not request.user.has_perm("products.view_click"):
        return None
    return Block(
        "Reports",
        [
            Item(
                "Articles that sell",
                reverse("admin:products_click_report"),
                "Clicks, views and click-through per article and product",
            )
        ],
    )
