from django.contrib import admin
from django.db import models

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "colorway", "line", "gender", "category", "rating_average", "rating_count", "is_recommended", "is_active"]
    list_filter = ["is_active", "is_recommended", "gender", "category", "line"]
    list_editable = ["is_recommended", "is_active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["name", "colorway", "line", "slug"]
    prepopulated_fields = {"slug": ("name", "colorway")}
    fieldsets = [
        (None, {"fields": ["name", "slug", "line", "colorway", "gender", "category", "description"]}),
        ("Image", {"fields": ["image", "image_alt"]}),
        ("Shop", {"fields": ["price", "shop_url", "rating_average", "rating_count", "is_recommended", "is_active"]}),
    ]
