from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.inclusion_tag("includes/newsletter_signup.html", takes_context=True)
def newsletter_signup(context):
    """The signup box for pages in the public page cache: the same HTML for every visitor."""
    request = context["request"]
    return {
        "form": SignupForm(initial={"source": request.path}, cached_page=True),
        "subscribed": request.GET.get("subscribed") == "1",
    }
