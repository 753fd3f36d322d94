import logging
import secrets
import time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.cacheguard import CacheUnavailable, guarded

from .models import Subscriber

logger = logging.getLogger(__name__)

# Cached pages are shared by every visitor, so they carry no CSRF token and no
# stamp: static/js/signup.js fills both in from newsletter:token.
EMPTY_CSRF_FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="">'
TIMESTAMP_SALT = "newsletter.rendered-at"

# What SignupForm.verdict() finds.
HUMAN, BOT, STALE = "human", "bot", "stale"


def new_stamp(issued_at: float | None = None) -> str:
    """A signed stamp saying when a form was handed to one visitor; it is good for one signup."""
    issued_at = time.time() if issued_at is None else issued_at
    return signing.dumps({"t": issued_at, "n": secrets.token_urlsafe(12)}, salt=TIMESTAMP_SALT)


def _spend(nonce: str) -> bool:
    """True the first time a stamp is spent; the record lives in CACHES["limits"] as long as the stamp."""
    try:
        return guarded("limits").add(f"newsletter:stamp:{nonce}", 1, settings.NEWSLETTER_FORM_MAX_AGE + 60)
    except CacheUnavailable:
        # As the rate limiter does: an outage must not refuse every signup.
        logger.warning("Signup stamp not recorded: the cache is unavailable.")
        return True


class SingleLineEmailField(forms.EmailField):
    """An email address on one line: line breaks (header injection) get their own message."""

    def to_python(self, value):
        if value and any(ch in value.strip() for ch in "\r\n\x00"):
            raise forms.ValidationError("Enter one email address, without line breaks.", code="multiline")
        return super().to_python(value)


class SignupForm(forms.Form):
    email = SingleLineEmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a valid email address, like name@example.com.",
            "max_length": "An email address has at most 254 characters.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)
    placement = forms.ChoiceField(widget=forms.HiddenInput, required=False, choices=Subscriber.Placement.choices)
    # The stamp (new_stamp()): when this visitor was handed the form, signed.
    rendered_at = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    # A field people never see; bots fill it in.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, cached_page=False, **kwargs):
        # A cached page is the same for everyone and may be served for days: it
        # carries no stamp, and its visitors fetch one (newsletter:token).
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("rendered_at", "" if cached_page else new_stamp())
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("newsletter:signup")
        self.helper.form_class = "signup-form"
        self.helper.attrs = {
            "data-signup": "",
            "data-min-fill": f"{settings.NEWSLETTER_MIN_FILL_SECONDS:g}",
            "data-max-age": str(settings.NEWSLETTER_FORM_MAX_AGE),
            "novalidate": "",
        }
        fields = [
            Field("email"),
            HTML(f'<p class="signup-form__consent">{settings.NEWSLETTER_CONSENT_TEXT}</p>'),
            Field("source"),
            Field("placement"),
            Field("rendered_at"),
            Div(Field("website", autocomplete="off", tabindex="-1"), css_class="signup-form__hp", aria_hidden="true"),
        ]
        if cached_page:
            self.helper.disable_csrf = True
            self.helper.attrs["data-csrf-url"] = reverse("newsletter:token")
            fields.append(HTML(EMPTY_CSRF_FIELD))
        self.helper.layout = Layout(*fields, Submit("subscribe", "Subscribe"))

    def verdict(self) -> str:
        """Who sent this valid form, as its honeypot and stamp say: HUMAN; BOT for a filled honeypot or a
        form sent sooner than NEWSLETTER_MIN_FILL_SECONDS after its stamp; STALE for a stamp that is
        missing, forged, older than NEWSLETTER_FORM_MAX_AGE or already used for a signup."""
        if self.cleaned_data.get("website"):
            return BOT
        try:
            stamp = signing.loads(self.cleaned_data.get("rendered_at") or "", salt=TIMESTAMP_SALT)
            age, nonce = time.time() - float(stamp["t"]), str(stamp["n"])
        except (signing.BadSignature, TypeError, KeyError, ValueError):
            return STALE
        if age < settings.NEWSLETTER_MIN_FILL_SECONDS:
            return BOT
        if age > settings.NEWSLETTER_FORM_MAX_AGE or not _spend(nonce):
            return STALE
        return HUMAN


class IssueSendForm(forms.Form):
    """When to send an issue: now, or at a time to come."""

    when = forms.ChoiceField(
        choices=[("now", "Now"), ("later", "At this time")], initial="now", widget=forms.RadioSelect
    )
    send_at = forms.DateTimeField(
        label="Time (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Only for “At this time”.",
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            send_at = data.get("send_at")
            if send_at is None:
                self.add_error("send_at", "Give the time to send at.")
            elif send_at <= timezone.now():
                self.add_error("send_at", "That time has passed: choose a time to come, or send now.")
        return data
