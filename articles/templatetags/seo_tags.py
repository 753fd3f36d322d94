import json

from django import template
from kuru_site.links import absolute_url
from django.utils.safestring import mark_safe

register = template.Library()

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


register.filter("absolute", absolute_url)


@register.filter
def jsonld(data) -> str:
    """JSON for a <script type="application/ld+json"> element, safe against </script> in text."""
    return mark_safe(json.dumps(data, ensure_ascii=False, indent=None).translate(_SCRIPT_ESCAPES))


@register.filter
def isotime(value) -> str:
    """An ISO 8601 time to the second (HTML's datetime attribute takes at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""
