"""The small admins beside articles: authors, redirects and topics."""

from django.contrib import admin
from django.db import models

from core.images import ImageUploadField

from ..models import Author, Redirect, Topic
from .richtext import RichTextMixin


@admin.register(Author)
class AuthorAdmin(RichTextMixin, admin.ModelAdmin):
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    list_display = ["name", "slug", "is_organization"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    rich_text_fields = ["bio_html"]


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
