import json

from django import template
from django.conf import settings
from django.contrib import messages
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from newsletter.forms import SignupForm, new_stamp
from newsletter.views import FORM_MESSAGE_TAG, shown_result

register = template.Library()


def shared_form(source: str, placement: str) -> dict:
    """What includes/newsletter_shared_form.html shows: SignupForm(cached_page=True), read off the class.

    The box holds no per-visitor data (no CSRF token, no stamp: see newsletter/forms.py), so the
    page cache may share it. It is on every page, and building the form and rendering it with
    crispy took about a third of the article page's render; this is the same markup
    (tests/newsletter/test_forms.py compares the two) from plain values.
    """
    fields = SignupForm.base_fields
    return {
        "action": reverse("newsletter:signup"),
        "token_url": reverse("newsletter:token"),
        "max_age": str(settings.NEWSLETTER_FORM_MAX_AGE),
        "min_fill": f"{settings.NEWSLETTER_MIN_FILL_SECONDS:g}",
        "email_label": fields["email"].label,
        "email_placeholder": fields["email"].widget.attrs["placeholder"],
        "email_max_length": fields["email"].max_length,
        # Site copy from settings, written into the form as crispy's HTML() does.
        "consent": mark_safe(settings.NEWSLETTER_CONSENT_TEXT),
        "source": source,
        "placement": placement,
        "website_label": fields["website"].label,
        "website_max_length": fields["website"].max_length,
    }


def _signup_box(path: str, placement: str, result: str | None) -> str:
    # Rendered afresh for every page it is on (no memo: the page cache keeps whole pages).
    return render_to_string(
        "includes/newsletter_signup.html", {"shared_form": shared_form(path, placement), "result": result}
    )


def _returned_form(request):
    """A form the visitor sent without JavaScript that came back with errors (via a message)."""
    if "messages" not in request.COOKIES:
        return None
    for message in messages.get_messages(request):
        if FORM_MESSAGE_TAG in message.tags:
            # This response is private (the message cookie bypasses the page cache), so
            # the form carries its CSRF token and a fresh stamp and works without JavaScript.
            form = SignupForm(data={**json.loads(message.message), "rendered_at": new_stamp()})
            form.is_valid()
            return form
    return None


@register.simple_tag(takes_context=True)
def newsletter_signup(context, placement="other"):
    """The signup box: the same HTML for every visitor, unless their own form came back with errors."""
    request = context["request"]
    returned = _returned_form(request)
    if returned is not None:
        return render_to_string("includes/newsletter_signup.html", {"form": returned}, request=request)
    return _signup_box(request.path, placement, shown_result(request))
