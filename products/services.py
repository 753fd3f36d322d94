"""Writes that keep a product's rating aggregate equal to its approved ratings, and the view counts."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F

from .models import ArticleDailyViews, Product, Rating


def product_refresh_rating(*, product_id: int) -> Product:
    """Recompute the average and count from approved ratings, under a lock on the product row.

    The lock makes concurrent approvals wait for each other, and the counting
    query starts after it, so it sees every committed approval.
    """
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        totals = Rating.objects.filter(product_id=product_id, status=Rating.Status.APPROVED).aggregate(
            average=Avg("stars"), count=Count("id")
        )
        product.rating_count = totals["count"]
        product.rating_average = round(totals["average"] or 0, 2)
        product.save(update_fields=["rating_count", "rating_average", "updated_at"])
    return product


def ratings_set_status(*, ratings, status: str) -> int:
    """Approve or reject many ratings at once; the aggregates change in the same transaction."""
    with transaction.atomic():
        ids = list(ratings.values_list("pk", flat=True))
        product_ids = set(Rating.objects.filter(pk__in=ids).values_list("product_id", flat=True))
        changed = Rating.objects.filter(pk__in=ids).update(status=status)
        for product_id in sorted(product_ids):  # a fixed order: no deadlock between two bulk actions
            product_refresh_rating(product_id=product_id)
    return changed


def rating_submit(*, product: Product, stars: int, title: str, text: str, reviewer_name: str) -> Rating:
    """Store a shopper's rating as pending; it counts once a moderator approves it.

    A pending rating cannot change the aggregate, so the product is not
    re-saved: that would also start a new page-cache generation for every
    submission.
    """
    rating = Rating(
        product=product, stars=stars, title=title, text=text, reviewer_name=reviewer_name, status=Rating.Status.PENDING
    )
    rating.save(refresh_aggregate=False)
    return rating


def article_views_add(*, article_id: int, day: date, views: int) -> None:
    """Add views to an article's day, creating its row if missing; exact when processes race.

    UPDATE ... SET views = views + n first (the usual case, one statement). A
    missing row is inserted in a savepoint; if another process inserted it
    meanwhile, the unique constraint refuses ours and the addition goes to theirs.
    """
    rows = ArticleDailyViews.objects.filter(article_id=article_id, day=day)
    if rows.update(views=F("views") + views):
        return
    try:
        with transaction.atomic():
            ArticleDailyViews.objects.create(article_id=article_id, day=day, views=views)
    except IntegrityError:
        rows.update(views=F("views") + views)
