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


@register(Tags.compatibility)
def check_claim_outlasts_smtp(app_configs, **kwargs):
    """A delivery's claim must outlast one SMTP exchange, or a slow live send would be taken for a dead one."""
    if settings.NEWSLETTER_SEND_CLAIM_TIMEOUT <= settings.EMAIL_TIMEOUT:
        return [
            Warning(
                f"NEWSLETTER_SEND_CLAIM_TIMEOUT ({settings.NEWSLETTER_SEND_CLAIM_TIMEOUT:g} s) is not longer than "
                f"DJANGO_EMAIL_TIMEOUT ({settings.EMAIL_TIMEOUT} s): a slow send could be sent twice.",
                hint="Keep the claim timeout well above the SMTP timeout (the default is 300 s).",
                id="newsletter.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_bounce_webhook_configured(app_configs, **kwargs):
    """Half a webhook configuration is a mistake: the endpoint stays off and bounced addresses keep being mailed.

    Neither secret set is a choice (a site without a provider's webhooks) and passes.
    """
    anymail = getattr(settings, "ANYMAIL", {})
    secrets = [bool(anymail.get("WEBHOOK_SECRET")), bool(anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"))]
    if any(secrets) and not all(secrets):
        return [
            Warning(
                "Only one of ANYMAIL_WEBHOOK_SECRET and MAILGUN_WEBHOOK_SIGNING_KEY is set: the bounce and "
                "complaint webhook is off, and bounced addresses would be mailed again.",
                hint="Set both, and point Mailgun's permanent-failure and complaint webhooks at "
                "https://user:password@<site>/newsletter/webhooks/mailgun/tracking/.",
                id="newsletter.W003",
            )
        ]
    return []
