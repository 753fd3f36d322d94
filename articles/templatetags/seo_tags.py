import json

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

register = template.Library()

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.filter
def absolute(path: str) -> str:
    """The public https address of a site path (SITE_URL + path), as canonical links use."""
    return settings.SITE_URL + path if path and path.startswith("/") else path


@register.filter
def jsonld(data) -> str:
    """JSON for a <script type="application/ld+json"> element, safe against </script> in text."""
    return mark_safe(json.dumps(data, ensure_ascii=False, indent=None).translate(_SCRIPT_ESCAPES))


@register.filter
def isotime(value) -> str:
    """An ISO 8601 time to the second (HTML's datetime attribute takes at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""
