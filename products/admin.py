import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from . import pageviews
from .forms import ClickReportForm
from .models import Click, Product, Rating
from .reports import articles_that_sell, write_csv
from .services import ratings_set_status


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "colorway", "line", "gender", "category", "rating_average", "rating_count", "is_recommended", "is_active"]
    list_filter = ["is_active", "is_recommended", "gender", "category", "line"]
    list_editable = ["is_recommended", "is_active"]
    search_fields = ["name", "colorway", "line", "slug"]
    prepopulated_fields = {"slug": ("name", "colorway")}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["rating_average", "rating_count"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "line", "colorway", "gender", "category", "description"]}),
        ("Image", {"fields": ["image", "image_alt"]}),
        ("Shop", {"fields": ["price", "shop_url", "is_recommended", "is_active"]}),
        ("Ratings (from approved ratings)", {"fields": ["rating_average", "rating_count"]}),
    ]


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
class ClickAdmin(admin.ModelAdmin):
    list_display = ["created_at", "product", "article", "placement", "is_bot"]
    list_filter = ["is_bot", "placement", "created_at"]
    list_select_related = ["product", "article"]
    date_hierarchy = "created_at"
    change_list_template = "products/click_change_list.html"

    def get_urls(self):
        report = self.admin_site.admin_view(self.report_view)
        return [path("report/", report, name="products_click_report")] + super().get_urls()

    def report_view(self, request):
        """“Articles that sell”: clicks and views over a date range, as a table or CSV. Needs products.view_click."""
        if not request.user.has_perm("products.view_click"):
            raise PermissionDenied
        form = ClickReportForm(request.GET)
        context = {**self.admin_site.each_context(request), "title": "Articles that sell", "form": form,
                   "opts": self.model._meta}
        if not form.is_valid():
            return TemplateResponse(request, "products/click_report.html", context, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        pageviews.flush()  # this process's views so far; other processes write theirs within a batch
        tables = articles_that_sell(start, end)
        if request.GET.get("format") == "csv":
            out = io.StringIO()
            write_csv(out, tables, start, end)
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="articles-that-sell-{start}-to-{end}.csv"'
            return response
        csv_query = f"start={start.isoformat()}&end={end.isoformat()}&format=csv"
        return TemplateResponse(
            request, "products/click_report.html",
            {**context, "tables": tables, "start": start, "end": end, "csv_query": csv_query},
        )
