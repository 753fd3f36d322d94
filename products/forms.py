from datetime import date, timedelta

from django import forms
from django.utils import timezone

from .models import Rating

STAR_CHOICES = [(n, f"{n} star" if n == 1 else f"{n} stars") for n in range(5, 0, -1)]


class RatingForm(forms.Form):
    """A shopper's rating. The page template writes the markup itself (fieldset, aria-describedby)."""

    stars = forms.TypedChoiceField(
        label="Your rating",
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose from 1 to 5 stars.",
            "invalid_choice": "Choose from 1 to 5 stars.",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        required=False,
        max_length=Rating._meta.get_field("title").max_length,
        error_messages={"max_length": "Keep the title to %(limit_value)d characters (it has %(show_value)d)."},
    )
    text = forms.CharField(
        label="Your review (optional)",
        required=False,
        max_length=Rating._meta.get_field("text").max_length,
        widget=forms.Textarea,
        error_messages={"max_length": "Keep the review to %(limit_value)d characters (it has %(show_value)d)."},
    )
    reviewer_name = forms.CharField(
        label="Your name, as shown with the review",
        max_length=Rating._meta.get_field("reviewer_name").max_length,
        error_messages={
            "required": "Enter the name to show with your review.",
            "max_length": "Keep the name to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    # A field people never see; bots fill it in.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "rating-%s")
        super().__init__(*args, **kwargs)

    def looks_automated(self) -> bool:
        """True when the honeypot was filled in."""
        return bool(self.cleaned_data.get("website"))


class ClickReportForm(forms.Form):
    """The report's date range: the last 30 days unless given, at most a year and a day."""

    DEFAULT_DAYS = 30
    MAX_DAYS = 366
    # Far beyond any click we hold; keeps date arithmetic away from year 1 and 9999.
    EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as YYYY-MM-DD, e.g. 2026-01-31."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as YYYY-MM-DD, e.g. 2026-01-31."},
    )
    # Kept from the report's own links when the days change: the per-day article and the sorted column.
    article = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,  # the largest id a database holds; beyond it SQLite raises OverflowError
        widget=forms.HiddenInput,
        error_messages={
            error: "Choose the article from the table's links." for error in ("invalid", "min_value", "max_value")
        },
    )
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for name, label in (("start", "first"), ("end", "last")):
            day = cleaned.get(name)
            if day and not self.EARLIEST <= day <= self.LATEST:
                raise forms.ValidationError(
                    f"Choose a {label} day between {self.EARLIEST:%Y} and {self.LATEST:%Y}.", code="out_of_range"
                )
        end = cleaned.get("end") or timezone.localdate()
        start = cleaned.get("start") or end - timedelta(days=self.DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The first day comes after the last day: swap them.", code="order")
        if (end - start).days + 1 > self.MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {self.MAX_DAYS} days.", code="too_long")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned
