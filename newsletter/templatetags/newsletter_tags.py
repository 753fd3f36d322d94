from functools import lru_cache

from django import template
from django.template.loader import render_to_string

from newsletter.forms import SignupForm

register = template.Library()


@lru_cache(maxsize=1024)
def _signup_box(path: str, subscribed: bool) -> str:
    # The box holds no per-visitor data (no CSRF token: see newsletter/forms.py),
    # so its HTML depends only on these two values; crispy-forms rendering is
    # the costliest part of an article page, so it is done once per process.
    form = SignupForm(initial={"source": path}, cached_page=True)
    return render_to_string("includes/newsletter_signup.html", {"form": form, "subscribed": subscribed})


@register.simple_tag(takes_context=True)
def newsletter_signup(context):
    """The signup box for pages in the public page cache: the same HTML for every visitor."""
    request = context["request"]
    return _signup_box(request.path, request.GET.get("subscribed") == "1")
