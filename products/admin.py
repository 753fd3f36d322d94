import io
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from core.admin import DateHierarchyMixin, ImageChooserMixin, thumbnail

from .forms import ClickReportForm
from .models import Click, Product, ProductImage, ProductVariant, Rating
from .reports import articles_that_sell, write_csv
from .services import ratings_set_status
from .signals import report_requested


def card_preview_html(product):
    """What a reader's card shows, small: image, name, stars and rating count (for the article admin)."""
    image = thumbnail(product.image, 64)
    status = "" if product.is_active else format_html(" <strong>{}</strong>", "(inactive: readers will not see it)")
    return format_html(
        "{}<span><b>{}</b>{}<br>{} ★ ({}) Ratings</span>",
        image,
        product.display_name,
        status,
        product.rating_average,
        f"{product.rating_count:,}",
    )


def published_articles_using(product):
    """Live and scheduled articles whose cards show `product`, by title."""
    cards = product.cards.in_live_or_scheduled_articles().select_related("article").order_by("article__title")
    return list({card.article_id: card.article for card in cards}.values())


class ProductAdminForm(forms.ModelForm):
    confirm_deactivate = forms.BooleanField(
        label="Yes, take its cards out of published articles",
        required=False,
        help_text="Needed only when deactivating a product that published articles recommend.",
    )

    class Meta:
        model = Product
        # The admin adds the fieldsets' fields (with its formfield_overrides); the
        # form itself needs only the field its check reads.
        fields = ["is_active"]

    def clean(self):
        cleaned = super().clean()
        deactivating = self.instance.pk and self.instance.is_active and cleaned.get("is_active") is False
        if deactivating and not cleaned.get("confirm_deactivate"):
            titles = [f"“{article}”" for article in published_articles_using(self.instance)[:5]]
            if titles:
                raise ValidationError(
                    f"This product is recommended in published or scheduled articles ({', '.join(titles)}); "
                    "deactivating it removes its cards from them. Tick the confirmation box to go ahead."
                )
        return cleaned


class ProductVariantInline(admin.TabularInline):
    """The feed's offers: `import_products FEED` rewrites them, so they are shown, not edited here."""

    model = ProductVariant
    extra = 0
    fields = ["offer_id", "colour", "size", "width", "price", "sale_price", "currency", "availability", "gtin", "sku"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProductImageInline(ImageChooserMixin, admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "image_alt", "colour", "sort_order"]


@admin.register(Product)
class ProductAdmin(ImageChooserMixin, admin.ModelAdmin):
    form = ProductAdminForm
    inlines = [ProductImageInline, ProductVariantInline]
    list_display = [
        "picture",
        "name",
        "colorway",
        "line",
        "gender",
        "category",
        "rating_average",
        "rating_count",
        "used_in",
        "is_recommended",
        "is_active",
    ]
    list_filter = ["is_active", "is_recommended", "gender", "category", "line"]
    # Not is_active: deactivating asks for a confirmation the list cannot show.
    list_editable = ["is_recommended"]
    list_display_links = ["name"]
    list_select_related = ["image"]
    search_fields = ["name", "colorway", "line", "slug"]
    prepopulated_fields = {"slug": ("name", "colorway")}
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
    }
    readonly_fields = ["rating_average", "rating_count", "price_varies"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "line", "colorway", "gender", "category", "description"]}),
        ("Image", {"fields": ["image", "image_alt"]}),
        (
            "Shop",
            {
                "fields": [
                    "price",
                    "currency",
                    "availability",
                    "price_varies",
                    "shop_url",
                    "feed_id",
                    "is_recommended",
                    "is_active",
                    "confirm_deactivate",
                ]
            },
        ),
        ("Ratings (from approved ratings)", {"fields": ["rating_average", "rating_count"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_count=Count("cards__article", distinct=True),
                published_count=Count(
                    "cards__article",
                    filter=Q(cards__in=Product.cards.field.model.objects.in_live_or_scheduled_articles()),
                    distinct=True,
                ),
            )
            # Aggregates drop Meta.ordering; autocomplete pages need a stable order.
            .order_by(*Product._meta.ordering)
        )

    @admin.display(description="Image")
    def picture(self, product):
        return thumbnail(product.image, 48)

    @admin.display(description="Used in articles", ordering="article_count")
    def used_in(self, product):
        if not product.article_count:
            return "—"
        url = reverse("admin:articles_article_changelist") + f"?product_cards__product__id__exact={product.pk}"
        return format_html('<a href="{}">{} ({} published)</a>', url, product.article_count, product.published_count)

    def get_urls(self):
        preview = path(
            "<int:object_id>/card-preview/",
            self.admin_site.admin_view(self.card_preview_view),
            name="products_product_card_preview",
        )
        return [preview, *super().get_urls()]

    def card_preview_view(self, request, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        product = get_object_or_404(Product, pk=object_id)
        return HttpResponse(card_preview_html(product))


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["product", "stars", "title", "reviewer_name", "is_verified_purchase", "status", "created_at"]
    list_filter = ["status", "stars", "is_verified_purchase", ("product", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "text", "reviewer_name", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    actions = ["approve", "reject"]

    @admin.action(description="Approve selected ratings")
    def approve(self, request, queryset):
        count = ratings_set_status(ratings=queryset, status=Rating.Status.APPROVED)
        self.message_user(request, f"Approved {count} rating(s); averages updated.", messages.SUCCESS)

    @admin.action(description="Reject selected ratings")
    def reject(self, request, queryset):
        count = ratings_set_status(ratings=queryset, status=Rating.Status.REJECTED)
        self.message_user(request, f"Rejected {count} rating(s); averages updated.", messages.SUCCESS)


@admin.register(Click)
class ClickAdmin(DateHierarchyMixin, admin.ModelAdmin):
    list_display = ["created_at", "product", "article", "placement", "is_bot"]
    list_filter = ["is_bot", "placement", "created_at"]
    list_select_related = ["product", "article"]
    date_hierarchy = "created_at"
    change_list_template = "products/click_change_list.html"

    def get_urls(self):
        report = self.admin_site.admin_view(self.report_view)
        return [path("report/", report, name="products_click_report")] + super().get_urls()

    def report_view(self, request):
        """“Articles that sell”: views, clicks and signups over a date range, as charts and tables or CSV.

        Needs products.view_click; each figure links only to a page the viewer may open.
        """
        if not request.user.has_perm("products.view_click"):
            raise PermissionDenied
        form = ClickReportForm(request.GET)
        context = {
            **self.admin_site.each_context(request),
            "title": "Articles that sell",
            "form": form,
            "opts": self.model._meta,
        }
        if not form.is_valid():
            return TemplateResponse(request, "products/click_report.html", context, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report_requested.send(sender=self.__class__)
        report = articles_that_sell(
            start,
            end,
            viewer=request.user,
            sort=form.cleaned_data["sort"] or "clicks",
            article_id=form.cleaned_data["article"],
        )
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            write_csv(out, report)
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="articles-that-sell-{start}-to-{end}.csv"'
            return response
        # The per-article table can be long (every article read or clicked): shown a page at a time.
        articles = next(section.table for section in report.sections if section.slug == "articles")
        page = Paginator(articles.rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
        keep = {"start": start.isoformat(), "end": end.isoformat()}
        if form.cleaned_data["article"]:
            keep["article"] = form.cleaned_data["article"]
        csv_query = urlencode({**keep, "sort": articles.sorted_by, "format": "csv"})
        return TemplateResponse(
            request,
            "products/click_report.html",
            {
                **context,
                "report": report,
                "start": start,
                "end": end,
                "csv_query": csv_query,
                "page": page,
                "article_headers": _sortable_headers(articles, keep),
                "page_query": urlencode({**keep, "sort": articles.sorted_by}),
                "all_articles_query": urlencode(
                    {"start": keep["start"], "end": keep["end"], "sort": articles.sorted_by}
                ),
            },
        )


# Rows of the per-article table on one page of the report.
REPORT_PAGE_SIZE = 100


def _sortable_headers(table, keep):
    """The per-article table's headers: text, the query sorting by the column, and aria-sort for the sorted one."""
    headers = []
    for text, key in zip(table.headers, table.sort_keys, strict=True):
        current = table.sorted_by.removeprefix("-") == key
        turned = table.sorted_by.startswith("-")
        # Figures sort largest first, titles A to Z; choosing the sorted column again turns it round.
        ascending = (key == "title") != turned
        headers.append(
            {
                "text": text,
                "query": urlencode({**keep, "sort": ("" if turned else "-") + key if current else key}),
                "state": ("ascending" if ascending else "descending") if current else "",
            }
        )
    return headers
