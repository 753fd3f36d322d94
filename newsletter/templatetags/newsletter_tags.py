from django import template

from newsletter.forms import SignupForm

register = template.Library()


@register.inclusion_tag("includes/newsletter_signup.html", takes_context=True)
def newsletter_signup(context):
    """The signup box, remembering the page it was shown on."""
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "form": SignupForm(initial={"source": request.path}),
        "subscribed": request.GET.get("subscribed") == "1",
    }
