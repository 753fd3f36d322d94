from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.urls import reverse


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
    )
    source = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("newsletter:signup")
        self.helper.form_class = "signup-form"
        self.helper.layout = Layout(Field("email"), Field("source"), Submit("subscribe", "Subscribe"))

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if any(ch in email for ch in "\r\n"):
            raise forms.ValidationError("Enter a single email address.")
        return email
