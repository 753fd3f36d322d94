"""Absolute addresses of the public site, for canonical links, JSON-LD and emails."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """SITE_URL + a path on this site; anything that is not such a path comes back unchanged."""
    return settings.SITE_URL + path if path and path.startswith("/") else path
