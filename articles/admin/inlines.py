"""The article form and its inlines: takeaways, sections, product cards and FAQs, checked as they will be published."""

import re

from adminsortable2.admin import CustomInlineFormSet, SortableInlineAdminMixin
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst

from core.admin import ImageChooserMixin
from products.admin import card_preview_html

from .. import publishing
from ..models import FAQ, Article, ProductCard, Section, Takeaway
from .richtext import RichTextMixin


class AutosavedRowsFormSet(CustomInlineFormSet):
    """Rows that an autosave of this very page saved already are those rows, not new ones.

    The page keeps such rows as new (extra) forms; article_editing.js writes the ids
    the autosave gave them into their hidden id fields. An extra form whose id names
    a row of this article is built on that row, so saving again updates it rather
    than adding a copy, and the ids of such rows removed from the page since
    (posted as `<prefix>-REMOVED`) are deleted with the save.
    """

    @cached_property
    def _autosaved_rows(self):
        if not self.is_bound or self.instance.pk is None:
            return {}
        pk_name = self.model._meta.pk.name
        posted = {}
        for index in range(self.initial_form_count(), self.total_form_count()):
            value = self.data.get(f"{self.add_prefix(index)}-{pk_name}", "")
            if value.isdigit() and len(value) < 19:
                posted[index] = int(value)
        if not posted:
            return {}
        rows = self.model._default_manager.filter(pk__in=posted.values(), **{self.fk.name: self.instance}).in_bulk()
        return {index: rows[pk] for index, pk in posted.items() if pk in rows}

    def _construct_form(self, i, **kwargs):
        if i in self._autosaved_rows:
            kwargs["instance"] = self._autosaved_rows[i]
        return super()._construct_form(i, **kwargs)

    def removed_rows(self):
        """Rows of this article an autosave saved that were removed from the page since (their ids, posted)."""
        ids = [v for v in self.data.getlist(self.add_prefix("REMOVED")) if v.isdigit() and len(v) < 19]
        if not ids or self.instance.pk is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(pk__in=ids, **{self.fk.name: self.instance})

    def save_new_objects(self, commit=True):
        if commit:
            self.removed_rows().delete()
        for form in self.extra_forms:
            if form.instance.pk is not None and self.can_delete and self._should_delete_form(form):
                self.deleted_objects.append(form.instance)
                if commit:
                    self.delete_existing(form.instance)
        return super().save_new_objects(commit)

    def autosaved_ids(self) -> dict[str, int]:
        """{index: id} of the extra forms' rows once saved: what the page writes into their id fields."""
        return {
            str(index): form.instance.pk
            for index, form in enumerate(self.forms)
            if index >= self.initial_form_count()
            and form.instance.pk is not None
            and not self._should_delete_form(form)
        }


class LabelledCellsFormSet:
    """For a tabular inline: its cells are labelled only by their column's header, which screen readers
    (and axe) do not tie to the field, so each field is named after its column and row ("Text, takeaway 2")."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        noun = self.model._meta.verbose_name
        row = f"{noun} {index + 1}" if index is not None else f"new {noun}"
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's related-field wrapper
            if not widget.is_hidden:
                widget.attrs.setdefault("aria-label", f"{field.label or capfirst(name)}, {row}")


class TakeawayFormSet(LabelledCellsFormSet, AutosavedRowsFormSet):
    pass


class PublishCheckFormSet(AutosavedRowsFormSet):
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


class CardFormSet(LabelledCellsFormSet, PublishCheckFormSet):
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
        # A new section an autosave saved already (an extra form on its row) counts, changed or not.
        sections = self.section_formset
        return {
            form.prefix: form
            for index, form in enumerate(sections.forms)
            if (form.has_changed() or (index >= sections.initial_form_count() and form.instance.pk is not None))
            and not sections._should_delete_form(form)
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
    formset = TakeawayFormSet
    extra = 0
    fields = ["text", "sort_order"]


class SectionInline(ImageChooserMixin, SortableInlineAdminMixin, RichTextMixin, admin.StackedInline):
    model = Section
    formset = SectionFormSet
    extra = 0
    fk_name = "article"
    rich_text_fields = ["body_html"]
    # Staff paste bare domains; assume https (Django 6's default) rather than http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
    formset = AutosavedRowsFormSet
    extra = 0
    rich_text_fields = ["answer_html"]
    fields = ["question", "answer_html", "sort_order"]


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 -- ArticleAdmin.fieldsets choose the fields shown.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin's date and time boxes follow plain text ("Date:", "Time:") that no label ties to them.
        field = self.fields.get("published_at")
        if field is not None and isinstance(field.widget, forms.MultiWidget):
            for part, name in zip(field.widget.widgets, ("date", "time"), strict=False):
                part.attrs.setdefault("aria-label", f"{capfirst(field.label)}: {name}")

    def clean(self):
        cleaned = super().clean()
        # A live article's status is read-only (its draft keeps the rules too): the instance says.
        if cleaned.get("status", self.instance.status) == Article.Status.PUBLISHED:
            article = Article(
                title=cleaned.get("title") or "",
                meta_description=cleaned.get("meta_description") or "",
                hero_image=cleaned.get("hero_image"),
                hero_alt=cleaned.get("hero_alt") or "",
            )
            for problem in publishing.article_errors(article):
                self.add_error(problem.field if problem.field in self.fields else None, problem)
        return cleaned
