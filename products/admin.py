from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "colorway", "line", "gender", "category", "rating_average", "rating_count", "is_recommended", "is_active"]
    list_filter = ["is_active", "is_recommended", "gender", "category", "line"]
    list_editable = ["is_recommended", "is_active"]
    search_fields = ["name", "colorway", "line", "slug"]
    prepopulated_fields = {"slug": ("name", "colorway")}
    fieldsets = [
        (None, {"fields": ["name", "slug", "line", "colorway", "gender", "category", "description"]}),
        ("Image", {"fields": ["image", "image_alt"]}),
        ("Shop", {"fields": ["price", "shop_url", "rating_average", "rating_count", "is_recommended", "is_active"]}),
    ]
