import json

from django import template
from django.contrib import messages
from django.template.loader import render_to_string

from newsletter.forms import SignupForm, new_stamp
from newsletter.views import FORM_MESSAGE_TAG, shown_result

register = template.Library()


def _signup_box(path: str, placement: str, result: str | None) -> str:
    # The box holds no per-visitor data (no CSRF token: see newsletter/forms.py),
    # so the page cache may share it; it is rendered afresh for every page it is on.
    form = SignupForm(initial={"source": path, "placement": placement}, cached_page=True)
    return render_to_string("includes/newsletter_signup.html", {"form": form, "result": result})


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
