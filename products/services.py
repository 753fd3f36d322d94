"""Writes that keep a product's rating aggregate equal to its approved ratings, and the view counts."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from core.content import ContentError, check_alt, key_line, load_image, toml_records
from core.images import store_image

from .models import ArticleDailyViews, Product, Rating

PRODUCT_KEYS = {
    "slug",
    "name",
    "line",
    "gender",
    "category",
    "colorway",
    "description",
    "image",
    "image_alt",
    "price",
    "rating_average",
    "rating_count",
    "shop_url",
    "is_recommended",
    "is_active",
}
PRODUCT_REQUIRED = {"slug", "name", "line", "gender", "category", "description", "shop_url"}


def ratings_set_status(*, ratings, status: str) -> int:
    """Approve or reject many ratings at once; the aggregates change in the same transaction."""
    with transaction.atomic():
        ids = list(ratings.values_list("pk", flat=True))
        product_ids = set(Rating.objects.filter(pk__in=ids).values_list("product_id", flat=True))
        changed = Rating.objects.filter(pk__in=ids).update(status=status)
        for product_id in sorted(product_ids):  # a fixed order: no deadlock between two bulk actions
            Product.refresh_rating(product_id)
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


def products_import(*, path) -> list[Product]:
    """Create or update products from a TOML file of [[products]] tables, atomically."""
    path = Path(path)
    parsed = []
    for line, record, text in toml_records(path, "products", PRODUCT_KEYS, PRODUCT_REQUIRED):
        image = None
        if record.get("image"):
            image_line = key_line(text, "image", start=line - 1)
            check_alt(path, image_line, record.get("image_alt", ""), f"image of {record['slug']}", record["image"])
            image = load_image(path, record["image"], record["image_alt"], image_line, path.parent)
        product = Product.objects.filter(slug=record["slug"]).first() or Product(slug=record["slug"])
        for key in PRODUCT_KEYS - {"image", "slug"}:
            if key in record:
                setattr(product, key, record[key])
        try:
            product.full_clean(exclude=["image"], validate_unique=False)
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise ContentError(path, key_line(text, field, start=line - 1), f"{field}: {' '.join(messages)}") from None
        parsed.append((product, image))
    with transaction.atomic():
        for product, image in parsed:
            if image:
                product.image = store_image(image, "products")
            product.save()
            if product.ratings.exists():
                # Once a product has ratings, they are the truth about its average and count.
                Product.refresh_rating(product.pk)
    return [product for product, _ in parsed]
