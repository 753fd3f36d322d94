"""What the article admin shows: times with their zone, states, the error summary, the review filter."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from ..models import ArticleDraft, Review


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


def short_date(when):
    """A date as "6 Feb 2024", the full time (zone named) on hover: list columns fit a laptop screen."""
    if when is None:
        return "—"
    when = timezone.localtime(when)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', when.isoformat(), local_time(when), f"{when:%-d %b %Y}"
    )
