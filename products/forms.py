from django import forms

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
