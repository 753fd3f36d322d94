from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_site_url_is_https(app_configs, **kwargs):
    """Unsubscribe and confirmation links in emails must be https (RFC 8058 asks it of List-Unsubscribe)."""
    if not settings.SITE_URL.startswith("https://"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in newsletter emails would not be https.",
                hint="Set SITE_URL to the site's public https address, e.g. https://blog.example.com.",
                id="newsletter.W001",
            )
        ]
    return []
