import time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Subscriber

# Cached pages are shared by every visitor, so they carry no CSRF token: this
# empty field is filled by static/js/signup.js from newsletter:token on submit.
EMPTY_CSRF_FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="">'
TIMESTAMP_SALT = "newsletter.rendered-at"


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
    rendered_at = forms.CharField(widget=forms.HiddenInput, required=False)
    # A field people never see; bots fill it in.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, cached_page=False, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("rendered_at", signing.dumps(time.time(), salt=TIMESTAMP_SALT))
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("newsletter:signup")
        self.helper.form_class = "signup-form"
        self.helper.attrs = {"data-signup": "", "novalidate": ""}
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

    def looks_automated(self) -> bool:
        """True for a filled honeypot or a form sent faster than a person could."""
        if self.cleaned_data.get("website"):
            return True
        try:
            rendered = signing.loads(self.cleaned_data.get("rendered_at") or "", salt=TIMESTAMP_SALT)
        except signing.BadSignature:
            return True
        return time.time() - float(rendered) < settings.NEWSLETTER_MIN_FILL_SECONDS
