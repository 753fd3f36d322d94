"""Writes that keep a product's rating aggregate equal to its approved ratings, the view counts, and the
product and rating imports (checked whole, with the models' field rules, before a row is written)."""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

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
from core.images import placeholder_image, written_files_removed_on_error
from core.models import Image as LibraryImage

from . import merchant_feed
from .models import (
    AVAILABILITY_RANK,
    ArticleDailyViews,
    Availability,
    Product,
    ProductImage,
    ProductVariant,
    Rating,
    size_sort_key,
)

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
    "feed_id",
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
                product.image = LibraryImage.objects.from_bytes(image, "products", alt=product.image_alt)
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


@dataclass
class FeedImport:
    """What one feed import did, by product slug."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)  # the product, a variant or an image differed from the feed
    unchanged: list = field(default_factory=list)  # nothing written: their cached pages stay valid
    unavailable: list = field(default_factory=list)  # left the feed, kept: articles, clicks or ratings use them
    deleted: list = field(default_factory=list)  # left the feed, nothing used them
    variants: int = 0
    images_fetched: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.created)} product(s) created, {len(self.updated)} updated, {self.variants} variant(s); "
            f"{len(self.unavailable)} marked unavailable, {len(self.deleted)} deleted; "
            f"{self.images_fetched} new image(s); {len(self.unchanged)} product(s) unchanged."
        )


FEED_PRODUCT_FIELDS = ["name", "slug", "line", "gender", "category", "description", "shop_url", "currency"]
VARIANT_FIELDS = ["offer_id", "colour", "size", "width", "price", "currency", "sale_price", "gtin", "sku", "link"]
# What an import writes on each row: a row whose values all equal the feed's is not saved again.
FEED_WRITES = {
    Product: ["feed_id", "currency", "price", "price_varies", "availability", "image_id", "image_alt"],
    ProductVariant: [*VARIANT_FIELDS, "availability", "sort_order", "product_id"],
    ProductImage: ["colour", "image_alt", "sort_order", "product_id", "image_id"],
}
LINE_BEFORE = re.compile(r"^(.*?)\s+(?:Women|Men|Unisex|Kids)[’']s\b", re.IGNORECASE)


def products_feed_import(*, path) -> FeedImport:
    """Create or update products and their variants and images from the shop's Merchant Center feed, atomically.

    Offers are grouped by item_group_id into one product, found by its feed id, else by a slug equal to the
    group id (the products of content/products.toml), else created. The feed owns prices, stock, variants
    and images; names and copy of existing products stay as staff edited them. A product that left the feed
    is deleted only when no article card, click or rating refers to it; otherwise it is kept and marked out of
    stock. Every problem of the file (and of every image fetched) is reported before anything is written.
    Only rows whose values differ from the feed's are saved: re-importing an unchanged feed writes nothing,
    so it starts no new page-cache generation (every save of these models does). Raises ContentError.
    """
    path = Path(path)
    groups = merchant_feed.read_feed(path)
    problems, result, pixels = Problems(path), FeedImport(), PixelBudget()
    known = {p.feed_id: p for p in Product.objects.filter(feed_id__in=list(groups))}
    by_slug = Product.objects.filter(feed_id="").in_bulk([g for g in groups if g not in known], field_name="slug")
    offer_ids = [offer.id for offers in groups.values() for offer in offers]
    variants = ProductVariant.objects.in_bulk(offer_ids, field_name="offer_id")
    stored_images = {(i.product_id, i.source_url): i for i in ProductImage.objects.filter(product__in=known.values())}
    taken_slugs, plan = set(), []
    for group, offers in groups.items():
        first = offers[0]
        product = known.get(group) or by_slug.get(group)
        if product is None:
            product = _new_feed_product(first, problems, taken_slugs)
        product._feed_before = _written(product)
        product.feed_id = group
        product.currency = first.currency
        prices = {offer.current_price for offer in offers}
        product.price, product.price_varies = min(prices), len(prices) > 1
        product.availability = min((o.availability for o in offers), key=AVAILABILITY_RANK.index)
        problems.add_model(
            lambda name, first=first: first.lines.get(_FEED_NAMES.get(name, name), first.line),
            product,
            FEED_PRODUCT_FIELDS,
            what=f"product {group}: ",
        )
        rows = []
        for sort_order, offer in enumerate(_variant_order(offers)):
            variant = variants.get(offer.id) or ProductVariant(offer_id=offer.id)
            variant._feed_before = _written(variant)
            variant.colour, variant.size, variant.width = offer.colour, offer.size, offer.width
            variant.price, variant.currency, variant.sale_price = offer.price, offer.currency, offer.sale_price
            variant.availability, variant.gtin, variant.sku, variant.link = (
                offer.availability,
                offer.gtin,
                offer.sku,
                offer.link,
            )
            variant.sort_order = sort_order
            problems.add_model(
                lambda name, offer=offer: offer.line, variant, VARIANT_FIELDS, what=f"offer {offer.id}: "
            )
            rows.append(variant)
        plan.append((product, rows, _feed_images(path, product, offers, stored_images, problems, pixels, result)))
    problems.raise_any()
    gone = Product.objects.exclude(feed_id="").exclude(feed_id__in=list(groups))
    with written_files_removed_on_error(), transaction.atomic():
        for product, rows, images in plan:
            is_new = product.pk is None
            for image, data in images:
                if data is not None:
                    image.image = LibraryImage.objects.from_bytes(data, "products", alt=image.image_alt)
            if not product.image_id and images:
                product.image, product.image_alt = images[0][0].image, images[0][0].image_alt
            wrote = _save_if_changed(product)
            for variant in rows:
                variant.product = product
                wrote |= _save_if_changed(variant)
            wrote |= _delete(product.variants.exclude(pk__in=[variant.pk for variant in rows]))
            for image, _data in images:
                image.product = product
                wrote |= _save_if_changed(image)
            wrote |= _delete(product.images.exclude(pk__in=[image.pk for image, _ in images]))
            (result.created if is_new else result.updated if wrote else result.unchanged).append(product.slug)
            result.variants += len(rows)
        for product in gone.select_for_update():
            if product.cards.exists() or product.clicks.exists() or product.ratings.exists():
                in_stock = product.variants.exclude(availability=Availability.OUT_OF_STOCK)
                if product.availability != Availability.OUT_OF_STOCK or in_stock.exists():
                    in_stock.update(availability=Availability.OUT_OF_STOCK)
                    product.availability = Availability.OUT_OF_STOCK
                    product.save(update_fields=["availability", "updated_at"])
                result.unavailable.append(product.slug)
            else:
                result.deleted.append(product.slug)
                product.delete()
    return result


def _written(row) -> tuple | None:
    """The values an import writes on `row`, as stored (None for a row not saved yet)."""
    return tuple(getattr(row, name) for name in FEED_WRITES[type(row)]) if row.pk else None


def _save_if_changed(row) -> bool:
    """Save `row` when it is new or the import changed one of its values; True if it was saved."""
    if row.pk and _written(row) == row._feed_before:
        return False
    row.save()
    return True


def _delete(rows) -> bool:
    """Delete `rows` (one SELECT, and the DELETEs only when there are some); True if any were."""
    return rows.delete()[0] > 0


# Product fields named otherwise in the feed, for messages' line numbers.
_FEED_NAMES = {"name": "title", "shop_url": "link", "line": "custom_label_0", "category": "product_type"}


def _new_feed_product(offer, problems, taken_slugs) -> Product:
    """A product for a group the site has never seen, from its first offer."""
    name = re.sub(r"\s+[-–|]\s+.*$", "", offer.title)  # "ATOM Men's Sneaker - Black - 10": the name alone
    slug = slugify(name)[:200] or slugify(offer.group)
    if slug in taken_slugs or Product.objects.filter(slug=slug).exists():
        slug = f"{slug[:150]}-{slugify(offer.group)}"[:200]
    taken_slugs.add(slug)
    match = LINE_BEFORE.match(name)
    line = offer.product_line or (match.group(1) if match else name.split()[0])
    if not offer.gender:
        problems.add(
            offer.line, f"gender is missing: a new product ({quoted(offer.group)}) needs male, female or unisex."
        )
    if not offer.category:
        problems.add(
            offer.lines.get("product_type", offer.line),
            f"product_type names none of sneaker, sandal, slide, boot, trail, casual: a new product "
            f"({quoted(offer.group)}) needs its category.",
        )
    return Product(
        slug=slug,
        name=name,
        line=line[:60],
        gender=offer.gender,
        category=offer.category,
        colorway="",
        description=offer.description or name,
        shop_url=offer.link,
    )


def _variant_order(offers):
    """Offers by colour (in feed order), then size (numerically when it is a number), then width (feed order)."""
    colours = list(dict.fromkeys(offer.colour for offer in offers))
    widths = list(dict.fromkeys(offer.width for offer in offers))
    return sorted(offers, key=lambda o: (colours.index(o.colour), size_sort_key(o.size), widths.index(o.width)))


def _feed_images(path, product, offers, stored, problems, pixels, result) -> list:
    """[(ProductImage, new bytes or None)] of the group's images in feed order, each link fetched once ever."""
    images, seen = [], set()
    for offer in offers:
        for index, (line, link) in enumerate(offer.images):
            if link in seen:
                continue
            seen.add(link)
            image = stored.get((product.pk, link)) if product.pk else None
            if image is not None:
                image._feed_before = _written(image)
            view = "" if index == 0 else f", view {index + 1}"
            alt = f"{product.name}{f' in {offer.colour}' if offer.colour else ''}{view}"
            data = None
            if image is None:
                image = ProductImage(source_url=link)
                try:
                    data = _feed_image_bytes(path, line, link, alt, pixels)
                except ContentError as exc:
                    problems.add_error(exc)
                    continue
                result.images_fetched += 1
            image.colour, image.image_alt, image.sort_order = offer.colour, alt[:250], len(images)
            images.append((image, data))
    return images


def _feed_image_bytes(path, line, link, alt, pixels) -> bytes:
    placeholder = merchant_feed.PLACEHOLDER_LINK.match(link)
    if placeholder:
        width, height = int(placeholder.group(1)), int(placeholder.group(2))
        if not (16 <= width <= 4000 and 16 <= height <= 4000):
            raise ContentError(path, line, f"placeholder size {width}x{height} is outside 16-4000 pixels.")
        pixels.spend(path, line, width, height)
        return placeholder_image(width, height, alt)
    return merchant_feed.fetch_image(path, line, link)
