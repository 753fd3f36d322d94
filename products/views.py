import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, ListView

from core.pagecache import PublicPageMixin
from core.ratelimit import is_rate_limited
from core.views import answers_csrf_failure
from core.visitors import is_staff_visit, looks_like_bot

from .forms import RatingForm
from .links import with_utm
from .models import Click, Product, Rating
from .services import rating_submit
from .structured_data import product_graph

logger = logging.getLogger(__name__)
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")
REVIEWS_SHOWN = 10
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
        products = Product.objects.active()
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
        product = get_object_or_404(Product, slug=self.kwargs["slug"])
        if not product.is_active:
            raise ProductGone(product) if product.was_published else Http404("No such product.")
        return product

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ProductGone as gone:
            return render(request, "products/product_gone.html", {"product": gone.product}, status=410)

    def get_context_data(self, **kwargs):
        reviews = self.object.ratings.filter(status=Rating.Status.APPROVED).exclude(text="")[:REVIEWS_SHOWN]
        return super().get_context_data(
            reviews=reviews,
            structured_data=product_graph(self.object),
            # Unbound and without a CSRF token: the page is the same for every visitor.
            rating_form=RatingForm(),
            rating_sent=self.request.GET.get("review") == RATING_SENT,
            **kwargs,
        )


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
    """Count a click and send the shopper to the shop, with UTM parameters. Only active products' own shop URLs."""
    product = Product.objects.active().filter(slug=slug).first()
    if product is None:
        raise Http404("No such product.")
    article_slug = request.GET.get("article", "")
    article_slug = article_slug if SLUG.match(article_slug) else ""
    placement = re.sub(r"[^-a-z0-9_]", "", request.GET.get("placement", "").lower())[:40]
    medium = "product-page" if placement == "product-page" else "product-card"
    campaign = article_slug
    if placement.startswith("newsletter-"):
        # A newsletter issue's link (placement newsletter-<issue id>): the issue is the campaign.
        medium = "email"
        campaign = request.GET.get("campaign", "")
        campaign = campaign if SLUG.match(campaign) else ""
    # Staff views are not counted, so their clicks would inflate click-through.
    if not is_staff_visit(request):
        try:
            Click.objects.create(
                product=product,
                # Readers reach cards from live articles only: a draft (a staff preview,
                # a crafted link) is never credited in "Articles that sell".
                article=_published_article(article_slug),
                placement=placement,
                is_bot=looks_like_bot(request.headers.get("User-Agent", "")),
            )
        except DatabaseError:
            # A click we cannot count must still reach the shop.
            logger.exception("Could not record a click on %s", product.slug)
    return HttpResponseRedirect(with_utm(product.shop_url, campaign=campaign, content=placement, medium=medium))


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
