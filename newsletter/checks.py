from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.compatibility)
def check_mail_provider_is_known(app_configs, **kwargs):
    """NEWSLETTER_ESP must name a provider whose webhook the newsletter offers."""
    from .webhooks import PROVIDERS

    if settings.NEWSLETTER_ESP not in PROVIDERS:
        return [
            Error(
                f"NEWSLETTER_ESP is {settings.NEWSLETTER_ESP!r}: no bounce webhook for that mail provider.",
                hint=f"Set it to one of {', '.join(PROVIDERS)}.",
                id="newsletter.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_bounce_webhook_configured(app_configs, **kwargs):
    """Half a webhook configuration is a mistake: the endpoint stays off and bounced addresses keep being mailed.

    None of the provider's secrets set is a choice (a site without a provider's webhooks) and passes.
    """
    from .webhooks import PROVIDERS, missing_secrets

    esp = settings.NEWSLETTER_ESP
    if esp not in PROVIDERS:
        return []  # check_mail_provider_is_known says so
    needed, missing = PROVIDERS[esp].secrets, missing_secrets(esp)
    if missing and len(missing) < len(needed):
        names = " and ".join(f"ANYMAIL_{n}" if n == "WEBHOOK_SECRET" else n for n in needed)
        auth = "https://user:password@" if "WEBHOOK_SECRET" in needed else "https://"
        return [
            Warning(
                f"Only some of {names} are set: the bounce and complaint webhook is off, and bounced "
                "addresses would be mailed again.",
                hint=f"Set them all, and point {esp}'s bounce and complaint webhooks at "
                f"{auth}<site>/newsletter/webhooks/{esp}/tracking/.",
                id="newsletter.W003",
            )
        ]
    return []
