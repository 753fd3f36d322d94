from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from .images import ImageUploadField
from .models import FAQ, Article, Author, ProductCard, Redirect, Section, Takeaway, Topic


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    list_display = ["name", "slug", "is_organization"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}


class TakeawayInline(admin.TabularInline):
    model = Takeaway
    extra = 0
    fields = ["sort_order", "text"]


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fk_name = "article"
    # Staff paste bare domains; assume https (Django 6's default) rather than http.
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"form_class": ImageUploadField},
    }
    autocomplete_fields = ["callout_article"]
    fieldsets = [
        (None, {"fields": [("sort_order", "level"), "heading", "body_html"]}),
        ("Figure", {"fields": ["figure_image", "figure_alt", "figure_caption"], "classes": ["collapse"]}),
        (
            "Related-guide callout",
            {"fields": ["callout_lead", "callout_link_text", "callout_article", "callout_url"], "classes": ["collapse"]},
        ),
        (None, {"fields": ["show_faq_after"]}),
    ]


class ProductCardInline(admin.TabularInline):
    model = ProductCard
    extra = 0
    fields = ["sort_order", "section", "product"]
    autocomplete_fields = ["product"]
    verbose_name_plural = "Recommended-product cards (save the sections first, then place each card after one)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            article_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(article_id=article_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FAQInline(admin.StackedInline):
    model = FAQ
    extra = 0
    fields = [("sort_order", "question"), "answer_html"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title", "status", "is_published", "author", "published_at", "updated_at", "reading_time", "newsletter_signups",
    ]
    list_filter = ["status", "author", "topics"]
    filter_horizontal = ["topics"]
    search_fields = ["title", "excerpt", "sections__heading", "sections__body_html"]
    prepopulated_fields = {"slug": ("title",)}
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    date_hierarchy = "published_at"
    readonly_fields = ["reading_time", "updated_at", "view_on_site_link"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "topics", "excerpt", "intro_html"]}),
        ("Hero image", {"fields": ["hero_image", "hero_alt"]}),
        ("Publishing", {"fields": ["status", "published_at", "reading_time", "updated_at", "view_on_site_link"]}),
        ("Search engines", {"fields": ["seo_title", "meta_description"], "classes": ["collapse"]}),
    ]
    inlines = [TakeawayInline, SectionInline, ProductCardInline, FAQInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(signup_count=Count("newsletter_signups", distinct=True))

    @admin.display(description="Newsletter signups", ordering="signup_count")
    def newsletter_signups(self, obj):
        """Which articles grow the list: signups made from the article's own page."""
        if not obj.signup_count:
            return 0
        url = reverse("admin:newsletter_subscriber_changelist") + f"?source_article__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.signup_count)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description="Reading time")
    def reading_time(self, obj):
        return f"{obj.reading_minutes} min ({obj.word_count:,} words)" if obj.pk else "—"

    @admin.display(description="On the site")
    def view_on_site_link(self, obj):
        if obj.pk and obj.is_published():
            return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())
        return "Not visible to readers yet."

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Reading time depends on the inlines, which are saved only now.
        form.instance.refresh_derived()
