"""The mail provider's bounce and complaint webhook, through django-anymail's tracking views.

NEWSLETTER_ESP names the provider (mailgun by default) and its webhook is at
/newsletter/webhooks/<NEWSLETTER_ESP>/tracking/; any other provider's address
is 404. Each exists only once the settings that secure it are set (PROVIDERS):
Mailgun's calls are checked twice, HTTP basic auth in the URL
(ANYMAIL_WEBHOOK_SECRET, "user:password") and an HMAC-SHA256 signature over
each event (MAILGUN_WEBHOOK_SIGNING_KEY); MailerSend signs each body
(MAILERSEND_SIGNING_SECRET); Postmark does not sign, so its calls carry the
basic auth. anymail checks them in constant time and normalises every
provider's events to the one tracking signal `record_event` receives.

Not offered: Amazon SES (its webhook confirms SNS subscriptions through boto3,
which is not installed, and does not check SNS signatures) and SendGrid
(anymail 15 has dropped official support and warns on every call).
"""

import json
import logging
from dataclasses import dataclass

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import EventType, RejectReason, tracking
from anymail.webhooks.mailersend import MailerSendTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

from .models import Suppression
from .services import suppression_record

logger = logging.getLogger(__name__)


def _plain(response_class, text):
    return response_class(text + "\n", content_type="text/plain; charset=utf-8")


class ClearAnswers:
    """Anymail's tracking view answering 403 for wrong credentials or signatures and 400 for a body
    that is not the provider's event, never a 500 (anymail's own views raise for both)."""

    def body_problem(self, request) -> str | None:
        """Why the body cannot be this provider's event, checked before the signature; None if it may be."""
        return None

    def post(self, request, *args, **kwargs):
        not_an_event = f"Not a {self.esp_name} tracking event."
        if problem := self.body_problem(request):
            return _plain(HttpResponseBadRequest, problem)
        try:
            self.run_validators(request)
        except AnymailWebhookValidationFailure as refused:
            logger.warning("Refused a bounce webhook call: %s", refused)
            return _plain(HttpResponseForbidden, "Refused: wrong credentials or signature.")
        except (TypeError, AttributeError, KeyError, ValueError):  # a signature block of the wrong shape
            return _plain(HttpResponseBadRequest, not_an_event)
        try:
            events = self.parse_events(request)
        except (KeyError, TypeError, ValueError, AttributeError, AnymailError):
            return _plain(HttpResponseBadRequest, not_an_event)
        for event in events:
            self.signal.send(sender=self.__class__, event=event, esp_name=self.esp_name)
        return HttpResponse()


class MailgunTrackingWebhook(ClearAnswers, MailgunTrackingWebhookView):
    """Mailgun's "permanent failure" and "spam complaint" webhooks."""

    def body_problem(self, request):
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return "The body is not JSON."
            if not isinstance(body, dict) or not isinstance(body.get("signature"), dict):
                return "Not a Mailgun tracking event."
        return None


class PostmarkTrackingWebhook(ClearAnswers, PostmarkTrackingWebhookView):
    """Postmark's bounce and spam complaint webhooks (basic auth in the URL)."""


class MailerSendTrackingWebhook(ClearAnswers, MailerSendTrackingWebhookView):
    """MailerSend's activity webhook (every body signed with the webhook's signing secret)."""


def _postmark_hard(event) -> bool:
    # Postmark reports soft bounces (a full mailbox) as bounces too; only "HardBounce" is for good.
    return (event.esp_event or {}).get("Type") == "HardBounce"


def _mailersend_hard(event) -> bool:
    # MailerSend, too: its activity type says which.
    return ((event.esp_event or {}).get("data") or {}).get("type") == "hard_bounced"


@dataclass(frozen=True)
class Provider:
    view: object  # the view function
    secrets: tuple  # ANYMAIL settings that must all be set for the endpoint to exist
    is_hard_bounce: object = None  # event -> bool, for providers that report soft bounces as bounces
    # Whether its events carry our Message-ID; if not, a bounce marks the address's latest sent delivery
    # (unless the event's metadata names the delivery: services._reported_delivery).
    reports_our_message_id: bool = True


PROVIDERS = {
    "mailgun": Provider(MailgunTrackingWebhook.as_view(), ("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY")),
    "postmark": Provider(PostmarkTrackingWebhook.as_view(), ("WEBHOOK_SECRET",), _postmark_hard, False),
    "mailersend": Provider(
        MailerSendTrackingWebhook.as_view(), ("MAILERSEND_SIGNING_SECRET",), _mailersend_hard, False
    ),
}
# Keyed by anymail's name for the provider, which the tracking signal carries.
BY_ESP_NAME = {p.view.view_class.esp_name: p for p in PROVIDERS.values()}


def missing_secrets(esp: str) -> list[str]:
    """The ANYMAIL settings provider `esp` still needs for its webhook to exist."""
    anymail = getattr(settings, "ANYMAIL", {})
    return [name for name in PROVIDERS[esp].secrets if not anymail.get(name)]


@csrf_exempt  # providers post without a CSRF token: the secrets are the proof
def tracking_webhook(request, esp):
    """The tracking webhook of the provider NEWSLETTER_ESP names, once its secrets are set; else 404."""
    if esp != settings.NEWSLETTER_ESP or esp not in PROVIDERS:
        raise Http404("No bounce webhook for this mail provider.")
    # Without its secrets the endpoint would accept anyone's events: it does not exist.
    if missing_secrets(esp):
        raise Http404("The bounce webhook is not configured.")
    return PROVIDERS[esp].view(request, esp=esp)


# What suppresses an address for good; a temporary failure (EventType.DEFERRED, a soft bounce) does not.
REASONS = {EventType.BOUNCED: Suppression.Reason.BOUNCE, EventType.COMPLAINED: Suppression.Reason.COMPLAINT}
# The provider refused to even try, because the address bounced or complained before.
REJECT_REASONS = {RejectReason.BOUNCED: Suppression.Reason.BOUNCE, RejectReason.SPAM: Suppression.Reason.COMPLAINT}


@receiver(tracking, dispatch_uid="newsletter-suppress-on-bounce")
def record_event(sender, event, esp_name, **kwargs):
    """Suppress the recipient of a hard bounce or a complaint reported by any anymail webhook."""
    reason = REASONS.get(event.event_type)
    if event.event_type == EventType.REJECTED:
        reason = REJECT_REASONS.get(event.reject_reason)
    provider = BY_ESP_NAME.get(esp_name, Provider(None, ()))
    if reason == Suppression.Reason.BOUNCE and event.event_type == EventType.BOUNCED:
        if provider.is_hard_bounce is not None and not provider.is_hard_bounce(event):
            return
    if reason is None or not event.recipient:
        return
    ours = provider.reports_our_message_id
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    suppression_record(
        email=event.recipient,
        reason=reason,
        source=f"{esp_name} webhook",
        description=" ".join(filter(None, [event.description, event.mta_response])),
        event_id=f"{esp_name}:{event.event_id}" if event.event_id else None,
        message_id=event.message_id if ours else None,
        delivery_id=metadata.get("delivery"),
        latest_sent=not ours,
    )
