from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Field, Layout, Submit
from django import forms
from django.urls import reverse

# Cached pages are shared by every visitor, so they carry no CSRF token: this
# empty field is filled by static/js/signup.js from newsletter:token on submit.
EMPTY_CSRF_FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="">'


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(self, *args, cached_page=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("newsletter:signup")
        self.helper.form_class = "signup-form"
        fields = [Field("email"), Field("source")]
        if cached_page:
            self.helper.disable_csrf = True
            self.helper.attrs = {"data-csrf-url": reverse("newsletter:token")}
            fields.append(HTML(EMPTY_CSRF_FIELD))
        self.helper.layout = Layout(*fields, Submit("subscribe", "Subscribe"))

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if any(ch in email for ch in "\r\n"):
            raise forms.ValidationError("Enter a single email address.")
        return email
