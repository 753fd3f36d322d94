"""The mail provider's bounce and complaint webhook (django-anymail's Mailgun tracking webhook).

Mailgun is the documented default because its webhooks are signed twice: HTTP
basic auth in the URL (ANYMAIL_WEBHOOK_SECRET, "user:password") and an
HMAC-SHA256 signature over each event (MAILGUN_WEBHOOK_SIGNING_KEY), which
anymail checks in constant time. Another provider is one import and one URL
away: anymail normalises every provider's events to the same tracking signal,
which `record_event` receives.
"""

import json
import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import EventType, RejectReason, tracking
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

from .models import Suppression
from .services import suppression_record

logger = logging.getLogger(__name__)


def _plain(response_class, text):
    return response_class(text + "\n", content_type="text/plain; charset=utf-8")


class MailgunTrackingWebhook(MailgunTrackingWebhookView):
    """Mailgun's "permanent failure" and "spam complaint" webhooks: refused (403) unless both secrets match."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)

        def configured_view(request, *args, **kwargs):
            # Without both secrets the endpoint would accept anyone's events: it does not exist.
            anymail = settings.ANYMAIL
            if not (anymail.get("WEBHOOK_SECRET") and anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY")):
                raise Http404("The bounce webhook is not configured.")
            return view(request, *args, **kwargs)

        # Providers post without a CSRF token: the secrets are the proof.
        return csrf_exempt(configured_view)

    def post(self, request, *args, **kwargs):
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return _plain(HttpResponseBadRequest, "The body is not JSON.")
            if not isinstance(body, dict) or not isinstance(body.get("signature"), dict):
                return _plain(HttpResponseBadRequest, "Not a Mailgun tracking event.")
        try:
            self.run_validators(request)
        except AnymailWebhookValidationFailure as refused:
            logger.warning("Refused a bounce webhook call: %s", refused)
            return _plain(HttpResponseForbidden, "Refused: wrong credentials or signature.")
        except (TypeError, AttributeError):  # a signature block of the wrong shape
            return _plain(HttpResponseBadRequest, "Not a Mailgun tracking event.")
        try:
            events = self.parse_events(request)
        except (KeyError, TypeError, ValueError, AttributeError):
            return _plain(HttpResponseBadRequest, "Not a Mailgun tracking event.")
        for event in events:
            self.signal.send(sender=self.__class__, event=event, esp_name=self.esp_name)
        return HttpResponse()


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
    if reason is None or not event.recipient:
        return
    suppression_record(
        email=event.recipient,
        reason=reason,
        source=f"{esp_name} webhook",
        description=" ".join(filter(None, [event.description, event.mta_response])),
        event_id=f"{esp_name}:{event.event_id}" if event.event_id else None,
        message_id=event.message_id,
    )
