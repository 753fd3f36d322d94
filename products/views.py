import logging
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, ListView

from core.pagecache import PublicPageMixin
from core.ratelimit import is_rate_limited
from core.views import answers_csrf_failure
from core.visitors import is_staff_visit, looks_like_bot

from .forms import RatingForm
from .links import with_utm
from .models import Click, Product, ProductImage, Rating, size_sort_key
from .services import rating_submit
from .structured_data import product_graph
from .templatetags.products_tags import money

logger = logging.getLogger(__name__)
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")
PLACEMENT = re.compile(r"^[-a-z0-9_]{1,40}$")
REVIEWS_SHOWN = 10
# ?reviews=…: the written reviews' orders (registered with the page cache in apps.py).
REVIEW_SORTS = {
    "newest": ("Newest", ["-created_at", "-id"]),
    "highest": ("Highest rated", ["-stars", "-created_at", "-id"]),
    "lowest": ("Lowest rated", ["stars", "-created_at", "-id"]),
}
DEFAULT_REVIEW_SORT = "newest"
RATING_SENT = "thanks"  # ?review=thanks: the product page thanks the shopper (and bypasses the page cache)
RATING_RATE_LIMITED = (
    "You’ve sent several ratings in a short while. Please try again in an hour; what you wrote is kept below."
)
RATING_RESEND = "Almost there: press Send rating once more to send your rating."


SORTS = {
    "top-rated": ("Top rated", ["-rating_average", "-rating_count", "name"]),
    "most-rated": ("Most rated", ["-rating_count", "-rating_average", "name"]),
    "newest": ("Newest", ["-created_at", "-id"]),
}
DEFAULT_SORT = "most-rated"


class ShopView(PublicPageMixin, ListView):
    """Active products: by gender (unisex shows in both), category and sort, as plain links."""

    template_name = "products/product_list.html"
    context_object_name = "products"
    paginate_by = 24
    gender = None

    def get_queryset(self):
        self.category = self.request.GET.get("category", "")
        if self.category not in Product.Category.values:
            self.category = ""
        self.sort = self.request.GET.get("sort", DEFAULT_SORT)
        if self.sort not in SORTS:
            self.sort = DEFAULT_SORT
        products = Product.objects.active().with_article_pick().select_related("image")
        if self.gender:
            products = products.filter(gender__in=[self.gender, Product.Gender.UNISEX])
        if self.category:
            products = products.filter(category=self.category)
        return products.order_by(*SORTS[self.sort][1])

    def _query(self, **changes):
        """This page's filters with some changed, as a query string (page reset)."""
        params = {"category": self.category, "sort": self.sort if self.sort != DEFAULT_SORT else ""}
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})

    def get_context_data(self, **kwargs):
        titles = {"women": "Women’s shoes", "men": "Men’s shoes"}
        return super().get_context_data(
            gender=self.gender,
            heading=titles.get(self.gender, "Shop all shoes"),
            category=self.category,
            sort=self.sort,
            categories=[("", "All styles", self._query(category=""))]
            + [(value, label, self._query(category=value)) for value, label in Product.Category.choices],
            sorts=[
                (key, label, self._query(sort=key if key != DEFAULT_SORT else "")) for key, (label, _) in SORTS.items()
            ],
            filter_query=self._query(),
            **kwargs,
        )


class ProductDetailView(PublicPageMixin, DetailView):
    """A product page. Inactive products are gone: 410 once they had been on sale, else 404."""

    context_object_name = "product"

    def get_object(self, queryset=None):
        product = get_object_or_404(
            Product.objects.select_related("image").prefetch_related(
                "variants", Prefetch("images", queryset=ProductImage.objects.select_related("image"))
            ),
            slug=self.kwargs["slug"],
        )
        if not product.is_active:
            raise ProductGone(product) if product.was_published else Http404("No such product.")
        return product

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ProductGone as gone:
            return render(request, "products/product_gone.html", {"product": gone.product}, status=410)

    def get_context_data(self, **kwargs):
        product = self.object
        variants = list(product.variants.all())
        sort = self.request.GET.get("reviews", DEFAULT_REVIEW_SORT)
        sort = sort if sort in REVIEW_SORTS else DEFAULT_REVIEW_SORT
        written = (
            product.ratings.filter(status=Rating.Status.APPROVED).exclude(text="").order_by(*REVIEW_SORTS[sort][1])
        )
        try:
            reviews = Paginator(written, REVIEWS_SHOWN).page(self.request.GET.get("page", 1))
        except InvalidPage:
            raise Http404("No such page of reviews.") from None
        return super().get_context_data(
            colours=colour_choices(product, variants),
            variants=variants,
            buy=buy_choices(variants),
            prices=price_summary(variants),
            rating_breakdown=rating_breakdown(product),
            reviews=reviews,
            review_sort=sort,
            review_sorts=[(key, label) for key, (label, _) in REVIEW_SORTS.items()],
            structured_data=product_graph(product, variants),
            # Unbound and without a CSRF token: the page is the same for every visitor.
            rating_form=RatingForm(),
            rating_sent=self.request.GET.get("review") == RATING_SENT,
            **kwargs,
        )


def colour_choices(product, variants) -> list[dict]:
    """One entry per colour, in feed order: its variants and gallery (images of that colour, or of none).

    Read from the prefetched rows: no query per colour, variant or image.
    """
    images = list(product.images.all())
    names = list(dict.fromkeys(variant.colour for variant in variants)) or [product.colorway]
    colours = []
    for index, name in enumerate(names):
        gallery = [image for image in images if image.colour in (name, "")]
        if not gallery and index == 0 and product.image:
            gallery = [product]  # the product's own picture: it has `image` and `image_alt` too
        colours.append(
            {
                "name": name,
                "slug": slugify(name) or f"colour-{index + 1}",
                "variants": [variant for variant in variants if variant.colour == name],
                "gallery": gallery,
                "is_buyable": any(variant.is_buyable for variant in variants if variant.colour == name),
            }
        )
    return colours


def buy_choices(variants) -> dict:
    """The Buy form's sizes and widths, each sold out when no variant of it can be ordered, and every
    variant for product.js, which marks the sizes and widths of the chosen colour and width (or size).

    Without JavaScript the form sends colour, size and width and /go/ finds the variant (`go()`).
    """
    sizes = sorted(dict.fromkeys(variant.size for variant in variants), key=size_sort_key)
    widths = list(dict.fromkeys(variant.width for variant in variants))

    def choices(values, attribute):
        return [
            {
                "value": value,
                "sold_out": not any(v.is_buyable for v in variants if getattr(v, attribute) == value),
            }
            for value in values
        ]

    return {
        "sizes": choices(sizes, "size") if sizes != [""] else [],
        "widths": choices(widths, "width") if len(widths) > 1 else [],
        "width": widths[0] if len(widths) == 1 else None,
        "variants": [
            {
                "id": variant.offer_id,
                "colour": variant.colour,
                "size": variant.size,
                "width": variant.width,
                "buyable": variant.is_buyable,
                "summary": variant_summary(variant),
            }
            for variant in variants
        ],
    }


def variant_summary(variant) -> str:
    """What the status line says of a chosen variant: "In stock · $139.95 (was $169.95)"."""
    price = money(variant.current_price, variant.currency)
    if variant.sale_price is not None:
        price += f" (was {money(variant.price, variant.currency)})"
    return f"{variant.get_availability_display()} · {price}"


def price_summary(variants) -> dict:
    """What the price line says: the lowest price now, whether prices vary, and the regular price on sale."""
    if not variants:
        return {}
    cheapest = min(variants, key=lambda variant: (variant.current_price, variant.price))
    return {
        "price": cheapest.current_price,
        "regular": cheapest.price if cheapest.sale_price is not None else None,
        "currency": cheapest.currency,
        "varies": len({variant.current_price for variant in variants}) > 1,
    }


def rating_breakdown(product) -> list[dict]:
    """Approved ratings per star, 5 to 1, with each one's share of the total in whole percent (one query)."""
    counts = dict(
        product.ratings.filter(status=Rating.Status.APPROVED)
        .values_list("stars")
        .annotate(count=Count("id"))
        .values_list("stars", "count")
    )
    total = sum(counts.values())
    return [
        {
            "stars": stars,
            "count": counts.get(stars, 0),
            "percent": round(100 * counts.get(stars, 0) / total) if total else 0,
        }
        for stars in range(5, 0, -1)
    ]


class ProductGone(Exception):
    def __init__(self, product):
        self.product = product


def _published_article(slug):
    """The live article at `slug`, or None.

    Reached through Click's foreign key: products never imports articles (README, "Architecture").
    """
    if not slug:
        return None
    articles = Click._meta.get_field("article").related_model.objects
    return articles.published().filter(slug=slug).first()


@never_cache
def go(request, slug):
    """Count a click and send the shopper to the shop, with UTM parameters. Only active products' own shop URLs
    (the product's, or the feed's link of its variant `?variant=ID`)."""
    product = Product.objects.active().filter(slug=slug).first()
    if product is None:
        raise Http404("No such product.")
    article_slug = request.GET.get("article", "")
    placement = _placement(request.GET.get("placement", ""))
    medium = "product-page" if placement == "product-page" else "product-card"
    email_campaign = _email_campaign(request)
    if placement == "product-page":
        # An article's card led here through the product page: the article, the card's
        # placement and the issue that led to the article (if an email did) came along
        # in the Buy link (product.js) or in the page's own address.
        card, sent_campaign = request.GET.get("card", ""), request.GET.get("campaign", "")
        if not article_slug:
            article_slug, card, sent_campaign = _sent_by(request, product)
        if article_slug:
            placement = _placement(card) or placement
            email_campaign = sent_campaign if SLUG.match(sent_campaign) else email_campaign
    article_slug = article_slug if SLUG.match(article_slug) else ""
    campaign = article_slug
    if placement.startswith("newsletter-"):
        # A newsletter issue's link (placement newsletter-<issue id>): the issue is the campaign.
        medium = "email"
        campaign = request.GET.get("campaign", "")
        campaign = email_campaign = campaign if SLUG.match(campaign) else ""
    variant, chosen = _chosen_variant(request, product)
    if chosen and (variant is None or not variant.is_buyable):
        # The Buy form without JavaScript named a size and width that is sold out or not made:
        # say so, and offer the sizes that can be ordered. Nothing is counted yet.
        return _unavailable(request, product, chosen, article_slug, placement if article_slug else "")
    # Staff views are not counted, so their clicks would inflate click-through.
    if not is_staff_visit(request):
        try:
            Click.objects.create(
                product=product,
                # Readers reach cards from live articles only: a draft (a staff preview,
                # a crafted link) is never credited in "Articles that sell".
                article=_published_article(article_slug),
                placement=placement,
                campaign=email_campaign[:100],
                is_bot=looks_like_bot(request.headers.get("User-Agent", "")),
            )
        except DatabaseError:
            # A click we cannot count must still reach the shop.
            logger.exception("Could not record a click on %s", product.slug)
    target = variant.link if variant else product.shop_url
    return HttpResponseRedirect(with_utm(target, campaign=campaign, content=placement, medium=medium))


def _chosen_variant(request, product):
    """(variant or None, the choice) from `?variant=ID` (product.js) or the Buy form's colour, size and width.

    The choice is None for a plain link (`?variant=` unknown or absent, no size): the product's shop page.
    """
    if "variant" in request.GET and request.GET["variant"]:
        return product.variants.filter(offer_id=request.GET["variant"][:50]).first(), None
    if "size" not in request.GET:
        return None, None
    chosen = {name: request.GET.get(name, "")[:100] for name in ("colour", "size", "width")}
    return product.variants.filter(**chosen).first(), chosen


def _unavailable(request, product, chosen, article_slug, card):
    """The answer to a Buy form whose choice cannot be ordered: Buy links for the sizes of that colour and
    width in stock, carrying the article and card that sent the shopper on."""
    query = {"placement": "product-page"}
    if article_slug:
        query.update(article=article_slug, card=card)
    others = []
    for variant in product.variants.filter(colour=chosen["colour"], width=chosen["width"]):
        if variant.is_buyable:
            variant.buy_query = urlencode({**query, "variant": variant.offer_id})
            others.append(variant)
    return render(
        request, "products/variant_unavailable.html", {"product": product, "chosen": chosen, "others": others}
    )


def _placement(raw: str) -> str:
    return re.sub(r"[^-a-z0-9_]", "", raw.lower())[:40]


def _sent_by(request, product) -> tuple[str, str, str]:
    """(article, placement, campaign) from the address of this product's page the shopper clicked Buy on.

    Browsers send it as the Referer on a same-origin link (SECURE_REFERRER_POLICY
    keeps the query there); without JavaScript this is how the article travels.
    """
    referer = _referer(request)
    if referer.netloc != request.get_host() or referer.path != product.get_absolute_url():
        return "", "", ""
    query = parse_qs(referer.query)
    return tuple(query.get(name, [""])[0] for name in ("article", "placement", "campaign"))


def _referer(request):
    """The Referer, split; a malformed one (`http://[::1`) counts as none."""
    try:
        return urlsplit(request.headers.get("Referer", ""))
    except ValueError:
        return urlsplit("")


def _email_campaign(request) -> str:
    """The utm_campaign of the page on this site the shopper clicked on, when that page was reached
    from an email (utm_medium=email): a newsletter issue's article leading to the shop.

    Same-origin links send the full address as the Referer (SECURE_REFERRER_POLICY).
    """
    referer = _referer(request)
    if referer.netloc != request.get_host():
        return ""
    query = parse_qs(referer.query)
    campaign = query.get("utm_campaign", [""])[0]
    return campaign if query.get("utm_medium") == ["email"] and SLUG.match(campaign) else ""


def _rating_page(request, product, form, status=200, notice=None):
    return render(
        request, "products/rating_form.html", {"product": product, "form": form, "notice": notice}, status=status
    )


def _rating_csrf_failure(request, reason="", slug=""):
    """A rating sent without a valid token (no JavaScript on a cached page) comes back as typed, with a token."""
    product = Product.objects.active().filter(slug=slug).first()
    if product is None:
        return None
    typed = {name: request.POST.get(name, "")[:5000] for name in ("stars", "title", "text", "reviewer_name")}
    return _rating_page(request, product, RatingForm(initial=typed), status=403, notice=RATING_RESEND)


@answers_csrf_failure(_rating_csrf_failure)
@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, slug):
    """The rating form's target. Errors, the rate limit and no-JavaScript retries show the form here, as typed.

    A filled honeypot gets the thank-you too, and nothing is stored.
    """
    product = get_object_or_404(Product.objects.active(), slug=slug)
    if request.method == "GET":
        return _rating_page(request, product, RatingForm())
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _rating_page(request, product, form, status=400)
    if not form.looks_automated():
        if is_rate_limited(request, scope="rating", limit=settings.RATING_RATE_LIMIT_PER_HOUR, period=3600):
            return _rating_page(request, product, form, status=429, notice=RATING_RATE_LIMITED)
        rating_submit(
            product=product, **{name: form.cleaned_data[name] for name in ("stars", "title", "text", "reviewer_name")}
        )
    return redirect(f"{product.get_absolute_url()}?review={RATING_SENT}#rate")
