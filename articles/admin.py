import re

from adminsortable2.admin import CustomInlineFormSet, SortableAdminBase, SortableInlineAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_prose_editor.fields import ProseEditorFormField
from js_asset import Media
from reversion.admin import VersionAdmin

from core.images import ImageUploadField
from core.richtext import EDITOR_EXTENSIONS, sanitize_html
from products.admin import card_preview_html

from . import drafts, preview, publishing, reviews
from .models import FAQ, Article, ArticleDraft, Author, ProductCard, Redirect, Review, Section, Takeaway, Topic
from .publishing import (
    PublishingRefused,
    article_draft_discard,
    article_draft_publish,
    article_draft_save,
    article_draft_schedule,
    article_publish,
    article_unpublish,
    can_publish,
)


def local_time(value) -> str:
    """A time as staff read it: in TIME_ZONE, with the zone named."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M %Z}"


def zone_label() -> str:
    """The zone staff enter times in: "Europe/Berlin (CET)", or just "UTC"."""
    name, abbreviation = timezone.get_current_timezone_name(), f"{timezone.localtime():%Z}"
    return name if name == abbreviation else f"{name} ({abbreviation})"


def is_live(article) -> bool:
    """Whether readers saw `article` when the admin read it: a bound form changes the instance it edits."""
    live = getattr(article, "live_when_read", None)
    return article.is_published() if live is None else live


def review_of(article):
    """The open review of `article`, or None."""
    try:
        return article.review
    except Review.DoesNotExist:
        return None


def draft_of(article):
    """The unpublished changes of `article`, or None (no query when list_select_related has them)."""
    try:
        return article.draft
    except ArticleDraft.DoesNotExist:
        return None


def error_summary(adminform, inline_admin_formsets) -> list[dict]:
    """Every error of the change form in page order, each with the anchor of its field (`href`, or None)."""
    found = []

    def add(href, label, errors):
        found.extend({"href": href, "label": label, "message": message} for message in errors)

    form = adminform.form
    for fieldset in adminform:
        for name in fieldset.fields:
            if name in form.errors and name in form.fields:
                label = form.fields[name].label or name
                where = f"{label} ({fieldset.name} section)" if fieldset.name else label
                add(f"#{form[name].id_for_label}", where, form.errors[name])
    add(None, "Article", form.non_field_errors())
    for inline in inline_admin_formsets:
        formset = inline.formset
        noun = str(formset.model._meta.verbose_name).capitalize()
        add(f"#{formset.prefix}-group", str(inline.opts.verbose_name_plural).capitalize(), formset.non_form_errors())
        for index, row in enumerate(formset.forms):
            for name, errors in row.errors.items():
                if name in row.fields:
                    add(f"#{row[name].id_for_label}", f"{noun} {index + 1}, {row.fields[name].label or name}", errors)
                else:
                    add(f"#{formset.prefix}-{index}", f"{noun} {index + 1}", errors)
    return found


class ReviewFilter(admin.SimpleListFilter):
    """The Editors' review queue: ?review=in_review (linked from the admin index)."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return Review.State.choices

    def queryset(self, request, queryset):
        if self.value() in Review.State.values:
            return queryset.filter(review__state=self.value())
        return queryset


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish the changes at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class RichTextFormField(ProseEditorFormField):
    def has_changed(self, initial, data):
        # Browsers post a textarea's newlines as CRLF; compare what would be stored,
        # so an untouched body is not saved again or reported as changed in History.
        if self.disabled:
            return False
        return sanitize_html(initial or "") != sanitize_html(self.to_python(data) or "")


class RichTextMixin:
    """Edit the models' HTML fields in the rich-text editor, limited to the sanitizer's allowlist."""

    rich_text_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.rich_text_fields:
            return RichTextFormField(
                label=db_field.verbose_name.capitalize(),
                help_text=db_field.help_text,
                required=not db_field.blank,
                config={"extensions": EDITOR_EXTENSIONS},
                sanitize=sanitize_html,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @property
    def media(self):
        # List markers, quotes and a body that grows with its text; each editor named after its label.
        return super().media + forms.Media(css={"all": ["admin/css/rich_text.css"]}, js=["admin/js/rich_text.js"])

    def render_change_form(self, request, context, *args, **kwargs):
        # The editor loads through an inline <script type="importmap">, which the
        # Content-Security-Policy runs only with this request's nonce (settings.py).
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)


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


class PublishCheckFormSet(CustomInlineFormSet):
    """Refuses to save a published article whose rows break a publishing rule (publishing.py)."""

    rule = None

    def rows(self):
        """The rows as they will be saved (unsaved instances), in page order."""
        kept = [
            (index, form.instance)
            for index, form in enumerate(self.forms)
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]

        def page_order(pair):
            # As the page orders them (sort_order, id); adminsortable2 puts new rows
            # without an order last when it saves them.
            index, row = pair
            if row.pk is None and not row.sort_order:
                return (float("inf"), float("inf"), index)
            return (row.sort_order, row.pk or float("inf"), index)

        return [row for _, row in sorted(kept, key=page_order)]

    def clean(self):
        super().clean()
        if self.rule and self.instance.status == Article.Status.PUBLISHED and not any(self.errors):
            # Each problem goes on the field to fix (which opens its collapsed panel); the rest above the rows.
            forms_of = {id(form.instance): form for form in self.forms}
            unplaced = []
            for problem in self.rule(self.rows()):
                form = forms_of.get(id(problem.row))
                if form is not None and problem.field in form.fields:
                    form.add_error(problem.field, problem)
                else:
                    unplaced.append(problem)
            if unplaced:
                raise ValidationError(unplaced)


class SectionFormSet(PublishCheckFormSet):
    rule = staticmethod(publishing.section_errors)


NEW_SECTION = re.compile(r"^new:(sections-\d+)$")


class SectionChoiceField(forms.ModelChoiceField):
    """A saved section of the article, or "new:<form prefix>" for a section added in the same form (card_preview.js)."""

    def to_python(self, value):
        if isinstance(value, str) and NEW_SECTION.match(value):
            return None  # CardForm.clean() keeps the placement
        return super().to_python(value)


class CardForm(forms.ModelForm):
    new_section = None  # the form prefix of a section row saved with this card, e.g. "sections-2"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and (match := NEW_SECTION.match(self.data.get(self.add_prefix("section"), ""))):
            self.new_section = match[1]
            # Shown again after an error: card_preview.js selects it once it has listed new sections.
            widget = self.fields["section"].widget
            getattr(widget, "widget", widget).attrs["data-pending"] = match[0]  # inside the admin's wrapper

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("section") and not self.new_section and "section" not in self.errors:
            self.add_error("section", "Choose the section this card follows.")
        return cleaned


class CardFormSet(PublishCheckFormSet):
    rule = staticmethod(publishing.card_errors)
    section_formset = None  # set by ArticleAdmin._create_formsets

    def clean(self):
        # Looked up once: has_changed() sanitizes every rich-text body of every row.
        self.new_sections = new_sections = self._new_section_forms()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue
            section = form.cleaned_data.get("section")
            # Whatever was posted, a card goes after a section of this very article...
            if section and (self.instance.pk is None or section.article_id != self.instance.pk):
                form.add_error("section", "Choose a section of this article.")
            # ...or after one saved with it.
            if form.new_section and form.new_section not in new_sections:
                form.add_error("section", "That new section is not being saved (empty or removed): choose another.")
        super().clean()

    def _new_section_forms(self):
        if self.section_formset is None:
            return {}
        return {
            form.prefix: form
            for form in self.section_formset.forms
            if form.has_changed() and not self.section_formset._should_delete_form(form)
        }

    def _place(self, form, card):
        if form.new_section:
            card.section = self.new_sections[form.new_section].instance  # saved just before the cards

    def save_new(self, form, commit=True):
        self._place(form, form.instance)
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):
        self._place(form, obj)
        return super().save_existing(form, obj, commit)


class TakeawayInline(SortableInlineAdminMixin, admin.TabularInline):
    model = Takeaway
    extra = 0
    fields = ["text", "sort_order"]


class SectionInline(SortableInlineAdminMixin, RichTextMixin, admin.StackedInline):
    model = Section
    formset = SectionFormSet
    extra = 0
    fk_name = "article"
    rich_text_fields = ["body_html"]
    # Staff paste bare domains; assume https (Django 6's default) rather than http.
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"form_class": ImageUploadField},
    }
    autocomplete_fields = ["callout_article"]
    fieldsets = [
        (None, {"fields": ["level", "heading", "body_html", "sort_order"]}),
        ("Figure", {"fields": ["figure_image", "figure_alt", "figure_caption"], "classes": ["collapse"]}),
        (
            "Related-guide callout",
            {
                "fields": ["callout_lead", "callout_link_text", "callout_article", "callout_url"],
                "classes": ["collapse"],
            },
        ),
        (None, {"fields": ["show_faq_after"]}),
    ]


def _short_date(when):
    if when is None:
        return "—"
    when = timezone.localtime(when)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', when.isoformat(), local_time(when), f"{when:%-d %b %Y}"
    )


def _article_id(request):
    """The article being edited: change view (object_id) or reversion's revision view (positional)."""
    match = request.resolver_match
    return match.kwargs.get("object_id") or (match.args[0] if match.args else None)


class ProductCardInline(SortableInlineAdminMixin, admin.TabularInline):
    model = ProductCard
    form = CardForm
    formset = CardFormSet
    extra = 0
    fields = ["section", "product", "card_preview", "sort_order"]
    readonly_fields = ["card_preview"]
    autocomplete_fields = ["product"]
    verbose_name_plural = "Recommended-product cards (each shown after the section you pick)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(article_id=_article_id(request) or 0)
            kwargs["form_class"] = SectionChoiceField
            kwargs["required"] = False  # CardForm.clean() requires a saved or a new section
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Card preview")
    def card_preview(self, card):
        # card_preview.js replaces this when another product is picked.
        url = reverse("admin:products_product_card_preview", args=[0])
        if card and card.product_id:
            return format_html(
                '<span class="card-preview" data-url="{}">{}</span>', url, card_preview_html(card.product)
            )
        return format_html('<span class="card-preview" data-url="{}">{}</span>', url, "Pick a product to see its card.")

    class Media:
        js = ["admin/js/vendor/jquery/jquery.min.js", "admin/js/jquery.init.js", "admin/js/card_preview.js"]
        css = {"all": ["admin/css/card_preview.css"]}


class FAQInline(SortableInlineAdminMixin, RichTextMixin, admin.StackedInline):
    model = FAQ
    extra = 0
    rich_text_fields = ["answer_html"]
    fields = ["question", "answer_html", "sort_order"]


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- ArticleAdmin.fieldsets choose the fields shown.

    def clean(self):
        cleaned = super().clean()
        # A live article's status is read-only (its draft keeps the rules too): the instance says.
        if cleaned.get("status", self.instance.status) == Article.Status.PUBLISHED:
            hero = cleaned.get("hero_image")  # False: "clear" ticked; None: unchanged
            article = Article(
                title=cleaned.get("title") or "",
                meta_description=cleaned.get("meta_description") or "",
                hero_image=self.instance.hero_image if hero is None else (hero or None),
                hero_alt=cleaned.get("hero_alt") or "",
            )
            for problem in publishing.article_errors(article):
                self.add_error(problem.field if problem.field in self.fields else None, problem)
        return cleaned


@admin.register(Article)
class ArticleAdmin(SortableAdminBase, RichTextMixin, VersionAdmin):
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
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
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
        # reordering on the sortable inlines' rows.
        js = ["admin/js/error_summary.js", "admin/js/sortable_keyboard.js"]

    actions = ["publish_now", "unpublish"]

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

    # Drafts of live articles: the change form edits the draft (articles/drafts.py).

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self._live_article(request, object_id)
        if article is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return self._as_draft(
            request, article, lambda: super(ArticleAdmin, self).change_view(request, object_id, form_url, extra_context)
        )

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.live_when_read = article.is_published()
        return article

    def _live_article(self, request, object_id):
        return Article.objects.published().select_related("draft").filter(pk=self._pk(object_id)).first()

    @staticmethod
    def _pk(object_id):
        value = unquote(str(object_id))
        return int(value) if value.isdigit() else 0

    def _as_draft(self, request, article, view, *, apply_draft=True):
        """Run `view` on the live rows with the draft written over them, then roll every write back.

        The form shows (and validates, and saves) the draft with the admin's own
        inlines; a successful save is kept as the new draft. Nothing readers see
        changes: the rows, the page-cache generation (its bump waits for a commit
        that never comes) and the revision history stay as they were.
        """
        request.saving_article_draft = True
        snapshot = None
        with transaction.atomic():
            if apply_draft and (draft := draft_of(article)) is not None:
                drafts.apply_snapshot(article, draft.snapshot)
            response = view()
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if request.method == "POST" and response.status_code == 302:
                snapshot = drafts.take_snapshot(article)
            transaction.set_rollback(True)
        if snapshot is not None:
            article_draft_save(article=article, user=request.user, snapshot=snapshot)
            # The view's own History entry was rolled back with the rest.
            self.log_change(request, article, "Saved unpublished changes.")
        return response

    def response_change(self, request, obj):
        if not getattr(request, "saving_article_draft", False):
            return super().response_change(request, obj)
        self.message_user(
            request,
            "Saved as unpublished changes: readers see the live version until an Editor publishes them.",
            messages.SUCCESS,
        )
        if "_continue" in request.POST or "_saveasnew" in request.POST:
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    def get_urls(self):
        def draft_url(action):
            view = self.admin_site.admin_view(self.draft_action_view)
            return path(
                f"<path:object_id>/draft/{action}/",
                view,
                {"action": action},
                name=f"articles_article_draft_{action}",
            )

        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(self.review_action_view),
            name="articles_article_review",
        )
        return [draft_url(action) for action in ("publish", "schedule", "discard")] + [review] + super().get_urls()

    def review_action_view(self, request, object_id):
        """POST only: submit for review, comment, ask for changes, or approve and publish."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = Article.objects.filter(pk=self._pk(object_id)).first()
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied("No article of yours to review here.")
        action, text = request.POST.get("action"), request.POST.get("text", "")
        services = {
            "submit": (reviews.review_submit, "Submitted for review: Editors have been told."),
            "comment": (reviews.review_comment, "Comment added."),
            "request_changes": (reviews.review_request_changes, "Asked for changes: the Writer has been told."),
            "approve": (reviews.review_approve, "Approved and published: readers see it now."),
        }
        if action not in services:
            self.message_user(request, "Choose what to do with the review.", messages.ERROR)
        else:
            service, done = services[action]
            try:
                result = service(article=article, user=request.user, text=text)
            except (reviews.ReviewRefused, PublishingRefused) as refused:
                self.message_user(request, f"Not done: {refused}", messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
                for warning in result if isinstance(result, list) else []:
                    self.message_user(request, f"Warning: {warning}", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def draft_action_view(self, request, object_id, action):
        """POST only: publish, schedule (or unschedule) or discard the draft of a live article."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._live_article(request, object_id)
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied("No live article of yours to change here.")
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        try:
            if action == "publish":
                found_warnings = article_draft_publish(article=article, user=request.user)
                self.log_change(request, article, "Published the unpublished changes.")
                self.message_user(request, "Published the changes: readers see them now.", messages.SUCCESS)
            elif action == "schedule":
                found_warnings = self._schedule(request, article)
                if found_warnings is None:
                    return HttpResponseRedirect(change_url)
            else:
                article_draft_discard(article=article, user=request.user)
                self.message_user(request, "Discarded the unpublished changes: the form shows the live version.")
                found_warnings = []
        except ArticleDraft.DoesNotExist:
            self.message_user(request, "This article has no unpublished changes.", messages.WARNING)
            return HttpResponseRedirect(change_url)
        except PublishingRefused as refused:
            self.message_user(request, f"Not done: {refused}", messages.ERROR)
            return HttpResponseRedirect(change_url)
        for warning in found_warnings:
            self.message_user(request, f"Warning: {warning}", messages.WARNING)
        return HttpResponseRedirect(change_url)

    def _schedule(self, request, article):
        if "unschedule" in request.POST:
            article_draft_schedule(article=article, user=request.user, when=None)
            self.message_user(request, "Unscheduled the changes: they stay unpublished.")
            return []
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                f"Not scheduled: enter a date and time ({zone_label()}).",
                messages.ERROR,
            )
            return None
        when = form.cleaned_data["publish_at"]
        found_warnings = article_draft_schedule(article=article, user=request.user, when=when)
        self.message_user(request, f"Scheduled: readers see the changes from {local_time(when)}.", messages.SUCCESS)
        return found_warnings

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if context.get("errors"):
            context["error_summary"] = error_summary(context["adminform"], context["inline_admin_formsets"])
        if obj is not None and obj.pk:
            review = review_of(obj)
            comments = [
                (comment, local_time(comment.created_at)) for comment in obj.review_comments.select_related("author")
            ]
            can_submit = (review is None or review.state != Review.State.IN_REVIEW) and (
                obj.status == Article.Status.DRAFT or draft_of(obj) is not None
            )
            context.update(
                show_review=bool(review or comments or can_submit),
                review=review,
                review_url=reverse("admin:articles_article_review", args=[obj.pk]),
                review_comments=comments,
                can_review=can_publish(request.user) and review is not None and review.state == Review.State.IN_REVIEW,
                can_submit=can_submit,
            )
        if obj is not None and is_live(obj):
            draft = draft_of(obj)
            context.update(
                live_article=True,
                article_draft=draft,
                can_publish=can_publish(request.user),
                schedule_form=ScheduleForm(),
                time_zone=zone_label(),
                draft_saved_at=draft and local_time(draft.saved_at),
                draft_publish_at=draft and draft.is_scheduled() and local_time(draft.publish_at),
                draft_preview_url=reverse("articles:preview", args=[obj.pk]),
                **{
                    f"draft_{action}_url": reverse(f"admin:articles_article_draft_{action}", args=[obj.pk])
                    for action in ("publish", "schedule", "discard")
                },
            )
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
        super().save_model(request, obj, form, change)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied("Only Editors restore revisions.")
        article = self._live_article(request, object_id)
        if article is None:
            return super().revision_view(request, object_id, version_id, extra_context)
        # Restoring a revision of a live article makes it the draft, like any other edit.
        return self._as_draft(
            request,
            article,
            lambda: super(ArticleAdmin, self).revision_view(request, object_id, version_id, extra_context),
            apply_draft=False,
        )

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
        return _short_date(obj.published_at)

    @admin.display(description="Last saved", ordering="updated_at")
    def last_saved(self, obj):
        return _short_date(obj.updated_at)

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
