"""Writes that keep a product's rating aggregate equal to its approved ratings, the view counts, and the
product and rating imports (checked whole, with the models' field rules, before a row is written)."""

from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from core.content import (
    MAX_CSV_BYTES,
    ContentError,
    PixelBudget,
    Problems,
    check_alt,
    csv_rows,
    key_line,
    load_image,
    quoted,
    read_text,
    toml_records,
)
from core.images import store_image, written_files_removed_on_error

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
    """Create or update products from a TOML file of [[products]] tables, atomically. Raises ContentError."""
    path = Path(path)
    problems, parsed, seen, pixels = Problems(path), [], {}, PixelBudget()
    for line, record, lines in toml_records(path, "products", PRODUCT_KEYS, PRODUCT_REQUIRED):

        def line_of(name, line=line, lines=lines):
            return key_line(lines, name, start=line - 1)

        slug = record["slug"]
        if not problems.take_slug(seen, slug, line=line, slug_line=line_of("slug"), what="product"):
            continue
        image = None
        if record.get("image"):
            try:
                check_alt(path, line_of("image"), record.get("image_alt", ""), f"image of {slug}", record["image"])
                image = load_image(
                    path, record["image"], record["image_alt"], line_of("image"), path.parent, budget=pixels
                )
            except ContentError as exc:
                problems.add_error(exc)
        product = Product.objects.filter(slug=slug).first() or Product(slug=slug)
        for key in PRODUCT_KEYS - {"image", "slug"}:
            if key in record:
                setattr(product, key, record[key])
        for key in ("is_recommended", "is_active"):
            if not isinstance(getattr(product, key), bool):
                problems.add(line_of(key), f"{key} must be true or false.")
        problems.add_model(line_of, product, PRODUCT_KEYS - {"image"})
        parsed.append((product, image))
    problems.raise_any()
    with written_files_removed_on_error(), transaction.atomic():
        for product, image in parsed:
            if image:
                product.image = store_image(image, "products")
            product.save()
            if product.ratings.exists():
                # Once a product has ratings, they are the truth about its average and count.
                Product.refresh_rating(product.pk)
    return [product for product, _ in parsed]


RATING_COLUMNS = [
    "product",
    "external_id",
    "stars",
    "reviewer_name",
    "title",
    "text",
    "verified",
    "status",
    "created_at",
]
RATING_REQUIRED = ["product", "external_id", "stars", "reviewer_name"]
TRUE, FALSE = {"1", "true", "yes", "y"}, {"", "0", "false", "no", "n"}


def ratings_import(*, path) -> tuple[int, int]:
    """Create or update ratings from CSV, matched on (product, external_id); return (created, updated).

    Every row is checked (the Rating fields' own rules included) before one is
    written; any problem raises ContentError and nothing is written.
    """
    path = Path(path)
    rows = csv_rows(path, read_text(path, MAX_CSV_BYTES), RATING_COLUMNS, RATING_REQUIRED)
    products = Product.objects.in_bulk(field_name="slug")
    named = {products[row["product"].strip()].pk for _, row in rows if row["product"].strip() in products}
    existing = {
        (r.product_id, r.external_id): r for r in Rating.objects.filter(product__in=named).exclude(external_id="")
    }
    problems, parsed, seen = Problems(path), [], {}
    for line, row in rows:
        try:
            rating, created_at = _rating_from_row(path, line, row, products, seen, existing)
        except ContentError as exc:
            problems.add_error(exc)
            continue
        problems.add_model(lambda _, line=line: line, rating, RATING_FIELDS)
        parsed.append((rating, created_at))
    problems.raise_any()
    created = sum(rating.pk is None for rating, _ in parsed)
    with transaction.atomic():
        for rating, created_at in parsed:
            rating.save(refresh_aggregate=False)  # once per product, below
            if created_at:
                Rating.objects.filter(pk=rating.pk).update(created_at=created_at)
        for product in sorted({rating.product_id for rating, _ in parsed}):
            Product.refresh_rating(product)
    return created, len(parsed) - created


RATING_FIELDS = ["external_id", "stars", "reviewer_name", "title", "text", "is_verified_purchase", "status"]


def _rating_from_row(path, line, row, products, seen, existing):
    def fail(message):
        raise ContentError(path, line, message)

    product = products.get(row["product"].strip())
    if product is None:
        fail(f"unknown product {quoted(row['product'])}.")
    external_id = row["external_id"].strip()
    if not external_id:
        fail("external_id is empty (it is what keeps a re-import from duplicating).")
    key = (product.pk, external_id)
    if key in seen:
        fail(f"rating {quoted(external_id)} for {product.slug} appears already on line {seen[key]}.")
    seen[key] = line
    stars = row["stars"].strip()
    if stars not in {"1", "2", "3", "4", "5"}:
        fail(f"stars must be a whole number from 1 to 5, not {quoted(row['stars'])}.")
    verified = (row.get("verified") or "").strip().lower()
    if verified not in TRUE | FALSE:
        fail(f"verified must be yes or no, not {quoted(row['verified'])}.")
    raw_date = (row.get("created_at") or "").strip()
    created_at = _aware_datetime(raw_date)
    if raw_date and created_at is None:
        fail(f"created_at {quoted(raw_date)} is not an ISO date-time with a time zone.")
    rating = existing.get(key) or Rating(product=product, external_id=external_id)
    rating.stars = int(stars)
    rating.reviewer_name = row["reviewer_name"].strip()
    rating.title = (row.get("title") or "").strip()
    rating.text = (row.get("text") or "").strip()
    rating.is_verified_purchase = verified in TRUE
    rating.status = (row.get("status") or Rating.Status.APPROVED).strip().lower()
    return rating, created_at


def _aware_datetime(raw: str):
    """The date-time in `raw` if it is ISO 8601 with a time zone, else None."""
    try:
        value = parse_datetime(raw) if raw else None
    except ValueError:  # well formed, impossible (a 30th of February)
        return None
    return value if value is not None and value.tzinfo is not None else None
