"""The small admins beside articles: authors, redirects and topics."""

from django.contrib import admin

from core.admin import ImageChooserMixin, thumbnail

from ..models import Author, Redirect, Topic
from .richtext import RichTextMixin


@admin.register(Author)
class AuthorAdmin(ImageChooserMixin, RichTextMixin, admin.ModelAdmin):
    list_display = ["picture", "name", "slug", "is_organization"]
    list_display_links = ["name"]
    list_select_related = ["avatar"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    rich_text_fields = ["bio_html"]

    @admin.display(description="Avatar")
    def picture(self, author):
        return thumbnail(author.avatar, 40)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
