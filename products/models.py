from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import check_image_alt, image_alt
from core.slugs import check_slug


class ProductQuerySet(models.QuerySet):
    def active(self):
        """Products shoppers can see and buy."""
        return self.filter(is_active=True)

    def recommended(self):
        return self.active().filter(is_recommended=True)

    def with_article_pick(self):
        """Annotate `is_article_pick`: a published article has a card of the product (its "Recommended" badge).

        The published rule is the articles app's, reached through `Product.cards` (products never imports it).
        """
        cards = Product.cards.field.model.objects.in_published_articles()
        return self.annotate(is_article_pick=models.Exists(cards.filter(product=models.OuterRef("pk"))))


class Availability(models.TextChoices):
    """The feed's availability values (Google Merchant Center), and what shoppers read."""

    IN_STOCK = "in_stock", "In stock"
    BACKORDER = "backorder", "Backorder: ships later"
    PREORDER = "preorder", "Pre-order"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"


# schema.org ItemAvailability for each value (JSON-LD).
SCHEMA_AVAILABILITY = {
    Availability.IN_STOCK: "https://schema.org/InStock",
    Availability.BACKORDER: "https://schema.org/BackOrder",
    Availability.PREORDER: "https://schema.org/PreOrder",
    Availability.OUT_OF_STOCK: "https://schema.org/OutOfStock",
}
# Best first: a product is as available as its most available variant.
AVAILABILITY_RANK = [Availability.IN_STOCK, Availability.PREORDER, Availability.BACKORDER, Availability.OUT_OF_STOCK]


class Product(models.Model):
    class Gender(models.TextChoices):
        WOMEN = "women", "Women"
        MEN = "men", "Men"
        UNISEX = "unisex", "Unisex"

    class Category(models.TextChoices):
        SNEAKERS = "sneakers", "Sneakers"
        SANDALS = "sandals", "Sandals & slides"
        BOOTS = "boots", "Boots"
        CASUAL = "casual", "Casual shoes"
        TRAIL = "trail", "Trail shoes"

    name = models.CharField(max_length=200, help_text="e.g. “ATOM Men’s Athletic Sneaker”.")
    slug = models.SlugField(max_length=200, unique=True)
    line = models.CharField("product line", max_length=60, help_text="e.g. MOMENT, ATOM, QUANTUM 2.0.")
    gender = models.CharField(max_length=10, choices=Gender)
    category = models.CharField(max_length=20, choices=Category)
    colorway = models.CharField(max_length=120, blank=True, help_text="e.g. Jet Black-White-Fire Red.")
    description = models.TextField("marketing copy")
    image = models.ForeignKey(
        "core.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        help_text="The product’s picture from the library: cards show it square, around its focal point.",
    )
    image_alt = models.CharField(
        "image alt text", max_length=250, blank=True, help_text="Empty: the image’s default alt text."
    )
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="With a feed: the lowest price a shopper pays now (sale prices included), written by the import.",
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code of the price, e.g. USD.")
    price_varies = models.BooleanField(
        default=False, editable=False, help_text="Variants cost different amounts: cards say “From”."
    )
    availability = models.CharField(
        max_length=20,
        choices=Availability,
        blank=True,
        help_text="With a feed: the best availability of its variants, written by the import. Blank: unknown.",
    )
    feed_id = models.CharField(
        "feed group id",
        max_length=50,
        blank=True,
        help_text="The product feed's item_group_id (or id): how `import_products FEED` finds this product.",
    )
    rating_average = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text="Average of approved ratings, 0 to 5.",
    )
    rating_count = models.PositiveIntegerField(default=0)
    shop_url = models.URLField("shop address", max_length=500)
    is_recommended = models.BooleanField(
        "recommended", default=False, help_text="Show on the home page and with the “Recommended Product” badge."
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Untick to hide the product and its cards everywhere."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    was_published = models.BooleanField(
        default=False, editable=False, help_text="Set once the product has been active: its page then answers 410 Gone."
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "colorway"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating_average__gte=0, rating_average__lte=5),
                name="product_rating_average_0_to_5",
            ),
            models.UniqueConstraint(fields=["feed_id"], condition=~models.Q(feed_id=""), name="product_feed_id_unique"),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        check_slug(self)
        if self.is_active:
            self.was_published = True
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("products:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        check_image_alt(self.image, self.image_alt, "image_alt", errors)
        if errors:
            raise ValidationError(errors)

    @property
    def image_alt_text(self):
        return image_alt(self.image, self.image_alt)

    @property
    def display_name(self):
        return f"{self.name} in {self.colorway}" if self.colorway else self.name

    @classmethod
    def refresh_rating(cls, product_id: int) -> "Product":
        """Recompute the average and count from approved ratings, under a lock on the product row.

        The lock makes concurrent approvals wait for each other, and the counting
        query starts after it, so it sees every committed approval.
        """
        with transaction.atomic():
            product = cls.objects.select_for_update().get(pk=product_id)
            totals = product.ratings.filter(status=Rating.Status.APPROVED).aggregate(
                average=models.Avg("stars"), count=models.Count("id")
            )
            product.rating_count = totals["count"]
            product.rating_average = round(totals["average"] or 0, 2)
            product.save(update_fields=["rating_count", "rating_average", "updated_at"])
        return product

    @property
    def is_unavailable(self):
        return self.availability == Availability.OUT_OF_STOCK

    @property
    def star_class(self):
        """CSS class for the star bar: the average rounded to the nearest half star (stars-45 = 4.5)."""
        return f"stars-{round(float(self.rating_average) * 2) * 5:02d}"


def size_sort_key(size: str):
    """Sizes in the order shoppers read them: numbers numerically (7, 7.5, 10), then the others (S, M, L)."""
    try:
        return (0, float(size), "")
    except ValueError:
        return (1, 0.0, size)


class ProductVariant(models.Model):
    """One offer of the shop's feed: a colour, size and width of a product, with its price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    offer_id = models.CharField("feed id", max_length=50, unique=True, help_text="The feed's id of this offer.")
    colour = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=40, blank=True)
    width = models.CharField(max_length=40, blank=True, help_text="e.g. Regular, Wide.")
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    sale_price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    availability = models.CharField(max_length=20, choices=Availability)
    gtin = models.CharField("GTIN", max_length=14, blank=True)
    sku = models.CharField("SKU (MPN)", max_length=70, blank=True)
    link = models.URLField("shop address", max_length=500)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(sale_price__isnull=True) | models.Q(sale_price__lt=models.F("price")),
                name="variant_sale_below_price",
            ),
        ]

    def __str__(self):
        return " / ".join(part for part in (str(self.product), self.colour, self.size, self.width) if part)

    def get_absolute_url(self):
        return self.product.get_absolute_url()

    @property
    def current_price(self):
        """What a shopper pays now: the sale price while there is one."""
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def is_buyable(self):
        return self.availability != Availability.OUT_OF_STOCK

    @property
    def schema_availability(self):
        return SCHEMA_AVAILABILITY[self.availability]


class ProductImage(models.Model):
    """A picture of a product from the feed, shown in the gallery of its colour (all colours when blank)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    colour = models.CharField(max_length=100, blank=True)
    image = models.ForeignKey("core.Image", on_delete=models.PROTECT, related_name="product_images")
    image_alt = models.CharField("image alt text", max_length=250, blank=True)
    source_url = models.CharField(
        max_length=1000, help_text="The feed's image_link or additional_image_link: a re-import fetches it once."
    )
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "source_url"], name="product_image_source_unique")]

    def __str__(self):
        return self.image_alt_text

    def get_absolute_url(self):
        return self.product.get_absolute_url()

    def clean(self):
        errors = {}
        check_image_alt(self.image, self.image_alt, "image_alt", errors)
        if errors:
            raise ValidationError(errors)

    @property
    def image_alt_text(self):
        return image_alt(self.image, self.image_alt)


class Click(models.Model):
    """One click on a shop link: no personal data, just what was clicked where."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="clicks")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="product_clicks"
    )
    placement = models.CharField(
        max_length=40, blank=True, help_text="Where the link was, e.g. card-2 or product-page."
    )
    campaign = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        help_text="The email campaign (a newsletter issue's slug) the shopper came from, if any.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    day = models.DateField(
        editable=False, help_text="The day of created_at in the site's time zone (TIME_ZONE), as reports count days."
    )
    is_bot = models.BooleanField(default=False, help_text="The user agent looked like a robot: left out of reports.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["article", "created_at"], name="click_article_time"),
            # "Articles that sell" counts people's clicks in a range of days per article, product,
            # placement and day: each from an index holding every column it reads (no table rows),
            # grouped by the stored day (no date function per row; SQLite runs those in Python).
            models.Index(fields=["is_bot", "article", "day"], name="click_report_article"),
            models.Index(fields=["is_bot", "product", "day", "article"], name="click_report_product"),
            models.Index(fields=["is_bot", "placement", "day"], name="click_report_placement"),
        ]

    def __str__(self):
        return f"{self.product} ← {self.article or 'direct'} ({self.placement})"

    def save(self, *args, **kwargs):
        if self.day is None:
            self.day = click_day(self.created_at or timezone.now())
        super().save(*args, **kwargs)


def click_day(moment):
    """The report's day of a click at `moment`: its date in TIME_ZONE, like ArticleDailyViews.day."""
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())


class Rating(models.Model):
    """A shopper's rating. Only approved ones count towards the product's average and count."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ratings")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=150, blank=True)
    text = models.TextField(blank=True, max_length=5000)
    reviewer_name = models.CharField(max_length=80)
    is_verified_purchase = models.BooleanField("verified purchase", default=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The review platform's id, so a re-import does not duplicate."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"),
            models.UniqueConstraint(
                fields=["product", "external_id"], condition=~models.Q(external_id=""), name="rating_external_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "-created_at"], name="rating_product_status")]

    def __str__(self):
        return f"{self.stars}★ {self.product} by {self.reviewer_name}"

    def save(self, *args, refresh_aggregate=True, **kwargs):
        """Save, and recompute the product's average and count in the same transaction.

        Pass refresh_aggregate=False only inside a transaction that refreshes it itself
        (bulk imports), to do it once per product rather than once per rating.
        """
        with transaction.atomic():
            previous = (
                Rating.objects.filter(pk=self.pk).values_list("product_id", flat=True).first() if self.pk else None
            )
            super().save(*args, **kwargs)
            if refresh_aggregate:
                Product.refresh_rating(self.product_id)
                if previous is not None and previous != self.product_id:
                    # Moved to another product: the one it left must not keep counting it.
                    Product.refresh_rating(previous)


class ArticleDailyViews(models.Model):
    """Readers' views of one article on one day, written in batches by products/pageviews.py (no row per view)."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField(help_text="In the site's time zone (TIME_ZONE).")
    views = models.PositiveIntegerField(default=0, help_text="Page views by people: bots and staff are not counted.")

    class Meta:
        ordering = ["-day", "article"]
        verbose_name_plural = "article daily views"
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="article_daily_views_unique")]
        # Holds what the report sums (views per article over a range of days): no table rows read.
        indexes = [models.Index(fields=["day", "article", "views"], name="article_daily_views_day")]

    def __str__(self):
        return f"{self.article} on {self.day}: {self.views}"

    def get_absolute_url(self):
        return self.article.get_absolute_url()
