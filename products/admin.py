from django.contrib import admin, messages
from django.db import models

from articles.images import ImageUploadField

from .models import Click, Product, Rating
from .services import ratings_set_status


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "colorway", "line", "gender", "category", "rating_average", "rating_count", "is_recommended", "is_active"]
    list_filter = ["is_active", "is_recommended", "gender", "category", "line"]
    list_editable = ["is_recommended", "is_active"]
    search_fields = ["name", "colorway", "line", "slug"]
    prepopulated_fields = {"slug": ("name", "colorway")}
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"form_class": ImageUploadField},
    }
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
