"""The article admin: list, form, roles and publishing actions (drafts and reviews in drafting.py)."""

from adminsortable2.admin import SortableAdminBase
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from core.admin import DateHierarchyMixin, ImageChooserMixin

from .. import preview, publishing
from ..models import Article, ArticleDraft
from ..publishing import PublishingRefused, article_draft_publish, article_publish, article_unpublish, can_publish
from .display import ReviewFilter, draft_of, error_summary, is_live, local_time, review_of, short_date, zone_label
from .drafting import ArticleDraftingMixin
from .editing import ArticleEditingMixin
from .history import ArticleHistoryMixin
from .inlines import (
    ArticleAdminForm,
    CardFormSet,
    FAQInline,
    ProductCardInline,
    SectionFormSet,
    SectionInline,
    TakeawayInline,
)
from .richtext import RichTextMixin


@admin.register(Article)
class ArticleAdmin(
    DateHierarchyMixin,
    ImageChooserMixin,
    ArticleEditingMixin,
    ArticleDraftingMixin,
    ArticleHistoryMixin,
    SortableAdminBase,
    RichTextMixin,
    VersionAdmin,
):
    form = ArticleAdminForm
    list_display = [
        "title",
        "state",
        "author",
        "published",
        "last_saved",
        "minutes",
        "cards",
        "newsletter_signups",
        "on_site",
    ]
    list_filter = [ReviewFilter, "status", "author", "topics"]
    list_select_related = ["author", "draft", "review"]
    filter_horizontal = ["topics"]
    search_fields = ["title", "excerpt", "sections__heading", "sections__body_html", "faqs__question"]
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_at"
    rich_text_fields = ["intro_html"]
    readonly_fields = ["reading_time", "last_saved", "view_on_site_link", "preview_links"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "topics", "excerpt", "intro_html"]}),
        ("Hero image", {"fields": ["hero_image", "hero_alt"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_links",
                    "reading_time",
                    "last_saved",
                    "view_on_site_link",
                ],
                "description": "Published with a future time = scheduled: it appears by itself at that time.",
            },
        ),
        ("Search engines", {"fields": ["seo_title", "meta_description"], "classes": ["collapse"]}),
    ]
    inlines = [TakeawayInline, SectionInline, ProductCardInline, FAQInline]

    class Media:
        css = {"all": ["admin/css/article_admin.css"]}
        # The error summary's links open the panel of the field they name; a grip and keyboard
        # reordering on the sortable inlines' rows; the topics widget's search icons named for screen readers.
        js = ["admin/js/error_summary.js", "admin/js/sortable_keyboard.js", "admin/js/filter_horizontal_labels.js"]

    actions = ["publish_now", "publish_changes", "unpublish"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                # Confirmed subscribers only, by the newsletter's own rule (reached through the
                # relation: articles never imports newsletter); pending and departed ones do not count.
                signup_count=Count(
                    "newsletter_signups",
                    filter=Q(newsletter_signups__in=Article.newsletter_signups.field.model.objects.confirmed()),
                    distinct=True,
                ),
                card_count=Count("product_cards", distinct=True),
            )
            # Aggregates drop Meta.ordering; autocomplete pages need a stable order.
            .order_by(*Article._meta.ordering)
        )

    # Roles: Writers (no publish permission) work on drafts only.

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A draft of a live article changes what it says; unpublishing is the list's action.
        if not can_publish(request.user) or (obj is not None and is_live(obj)):
            fields += ["status", "published_at"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_publish(request.user):
            description = dict(fieldsets)["Publishing"]["description"]
        else:
            description = "You save drafts and preview them; an Editor checks and publishes them."
        note = f"{description} Times are in {zone_label()}."
        return [
            (name, options | {"description": note}) if name == "Publishing" else (name, options)
            for name, options in fieldsets
        ]

    def has_change_permission(self, request, obj=None):
        # Changing a scheduled article changes what readers will see; a live one is changed through its draft.
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or obj.status == Article.Status.DRAFT or is_live(obj) or can_publish(request.user)
        )

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == Article.Status.DRAFT or can_publish(request.user))

    def delete_queryset(self, request, queryset):
        if not can_publish(request.user) and queryset.exclude(status=Article.Status.DRAFT).exists():
            raise PermissionDenied("Only Editors delete published articles.")
        super().delete_queryset(request, queryset)

    def _create_formsets(self, request, obj, change):
        # Cards may follow a section added in the same form: let them see those rows.
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        sections = next((f for f in formsets if isinstance(f, SectionFormSet)), None)
        for formset in formsets:
            if isinstance(formset, CardFormSet):
                formset.section_formset = sections
        return formsets, inline_instances

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if context.get("errors"):
            context["error_summary"] = error_summary(context["adminform"], context["inline_admin_formsets"])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django honours "_saveasnew" even with save_as off; a copy would bring the
        # original's sections into the card choices. There is no "Save as new" here.
        if request.method == "POST" and "_saveasnew" in request.POST:
            raise PermissionDenied("Saving an article as a new one is not offered.")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The form cannot set status for Writers; this also covers any other route into save.
        # A draft of a live article is saved with its status, then rolled back (_as_draft).
        drafting = getattr(request, "saving_article_draft", False)
        if obj.status != Article.Status.DRAFT and not can_publish(request.user) and not drafting:
            raise PermissionDenied("Only Editors publish articles.")
        was_public = bool(obj.pk) and Article.objects.filter(pk=obj.pk, status=Article.Status.PUBLISHED).exists()
        # Going public happens in save_related, through article_publish(), once the
        # inlines it checks are saved: until then the article is saved as a draft.
        obj._publish_at = obj.published_at if obj.status == Article.Status.PUBLISHED and not was_public else None
        if obj._publish_at is not None:
            obj.status = Article.Status.DRAFT
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def recover_view(self, request, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied("Only Editors restore deleted articles.")
        return super().recover_view(request, version_id, extra_context)

    # Publishing.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        # Reading time depends on the inlines, which are saved only now.
        article.refresh_derived()
        if getattr(article, "_publish_at", None) is not None:
            try:
                found_warnings = article_publish(article=article, user=request.user, when=article._publish_at)
            except PublishingRefused as refused:
                # The forms check what they show; this catches whatever they could not
                # (a role without some inlines, say): the article stays a draft.
                self.message_user(request, f"Saved as a draft, not published: {refused}", messages.ERROR)
                return
        elif article.status == Article.Status.PUBLISHED:
            _errors, found_warnings = publishing.problems(article)
        else:
            return
        for warning in found_warnings:
            self.message_user(request, f"Warning: {warning}", messages.WARNING)

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_now(self, request, queryset):
        published = 0
        # Drafts and scheduled articles: "now" brings a scheduled one forward.
        for article in queryset.exclude(pk__in=queryset.published().values("pk")):
            try:
                article_publish(article=article, user=request.user)
            except PublishingRefused as refused:
                self.message_user(request, f"“{article}” was not published: {refused}", messages.ERROR)
                continue
            published += 1
        if published:
            self.message_user(request, f"Published {published} article(s).", messages.SUCCESS)

    @admin.action(description="Publish unpublished changes of selected live articles", permissions=["publish"])
    def publish_changes(self, request, queryset):
        """Each selected live article with a draft gets its draft published; one message per article."""
        live = queryset.published().select_related("draft")
        without = queryset.exclude(pk__in=live.filter(draft__isnull=False).values("pk")).count()
        for article in live.filter(draft__isnull=False):
            name = article.title  # the live title: a refused draft has been written over the instance
            try:
                found_warnings = article_draft_publish(article=article, user=request.user)
            except (PublishingRefused, ArticleDraft.DoesNotExist) as refused:
                self.message_user(request, f"“{name}”: not published: {refused}", messages.ERROR)
                continue
            self.log_change(request, article, "Published the unpublished changes.")
            note = f" (warnings: {' '.join(found_warnings)})" if found_warnings else ""
            self.message_user(request, f"“{name}” → “{article}”: published its changes{note}.", messages.SUCCESS)
        if without:
            self.message_user(
                request, f"{without} selected article(s) had no unpublished changes to publish.", messages.WARNING
            )

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.exclude(status=Article.Status.DRAFT):
            article_unpublish(article=article, user=request.user)
            count += 1
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)

    # Columns and read-only fields.

    def get_list_display(self, request):
        # The signups link opens the subscriber list, which holds addresses: only for those who may see it.
        if request.user.has_perm("newsletter.view_subscriber"):
            return self.list_display
        return [name if name != "newsletter_signups" else "newsletter_signups_count" for name in self.list_display]

    @admin.display(description="Signups", ordering="signup_count")
    def newsletter_signups(self, obj):
        """Which articles grow the list: confirmed subscribers who signed up on the article's own page."""
        if not obj.signup_count:
            return 0
        confirmed = Article.newsletter_signups.field.model.Status.CONFIRMED
        url = (
            reverse("admin:newsletter_subscriber_changelist")
            + f"?source_article__id__exact={obj.pk}&status__exact={confirmed}"
        )
        return format_html('<a href="{}">{}</a>', url, obj.signup_count)

    @admin.display(description="Signups", ordering="signup_count")
    def newsletter_signups_count(self, obj):
        """The same number, without the link (for staff who may not see subscribers)."""
        return obj.signup_count

    @admin.display(description="Status", ordering="status")
    def state(self, obj):
        """Status and clock together: what readers see now, and whether changes wait."""
        review = review_of(obj)
        if obj.is_published():
            draft = draft_of(obj)
            if draft is None:
                return "Live"
            if review is not None:
                return f"Live + changes {review.get_state_display().lower()}"
            if draft.is_scheduled():
                return f"Live + changes scheduled for {local_time(draft.publish_at)}"
            return "Live + unpublished changes"
        if obj.is_scheduled():
            return f"Scheduled for {local_time(obj.published_at)}"
        return review.get_state_display() if review is not None else "Draft"

    # Dates as "6 Feb 2024" (the full time, zone named, on hover): the list fits a laptop screen.
    @admin.display(description="Published", ordering="published_at")
    def published(self, obj):
        return short_date(obj.published_at)

    @admin.display(description="Last saved", ordering="updated_at")
    def last_saved(self, obj):
        return short_date(obj.updated_at)

    @admin.display(description="Reading time", ordering="reading_minutes")
    def minutes(self, obj):
        return f"{obj.reading_minutes} min"

    @admin.display(description="Product cards", ordering="card_count")
    def cards(self, obj):
        return obj.card_count

    @admin.display(description="On the site")
    def on_site(self, obj):
        if obj.is_published():
            return format_html('<a href="{}">View on site</a>', obj.get_absolute_url())
        return format_html('<a href="{}">Preview</a>', reverse("articles:preview", args=[obj.pk]))

    def lookup_allowed(self, lookup, value, request=None):
        # The product list links here: "articles using this product".
        return lookup == "product_cards__product__id__exact" or super().lookup_allowed(lookup, value, request)

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
        if obj.pk and obj.is_scheduled():
            return f"Scheduled: readers see it from {local_time(obj.published_at)}."
        return "Not visible to readers yet."

    @admin.display(description="Preview")
    def preview_links(self, obj):
        if not obj.pk:
            return "Save the article to preview it."
        return format_html(
            '<a class="button" href="{}" target="_blank">Preview</a> '
            '<span class="help">Share with someone without an admin account (works for {} days): '
            '<input type="text" readonly size="60" value="{}" aria-label="Shareable preview link"></span>',
            reverse("articles:preview", args=[obj.pk]),
            preview.max_age_days(),
            preview.share_url(obj),
        )
