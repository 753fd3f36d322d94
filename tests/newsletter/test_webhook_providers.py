"""The bounce webhook of the provider NEWSLETTER_ESP names: Postmark (basic auth) and MailerSend (signed bodies)
suppress an address on a hard bounce or a complaint, as Mailgun does (test_bounces.py), and no other's is open."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter.checks import check_bounce_webhook_configured, check_mail_provider_is_known
from newsletter.models import Delivery, Issue, Subscriber, Suppression
from newsletter.tasks import send_issue_batch
from tests.factories import make_article, make_issue, make_subscriber

pytestmark = pytest.mark.django_db

BASIC = "postmark:webhook-secret-for-tests"
MAILERSEND_SECRET = "mailersend-signing-secret-for-tests"


@pytest.fixture
def postmark(settings):
    settings.NEWSLETTER_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}


@pytest.fixture
def mailersend(settings):
    settings.NEWSLETTER_ESP = "mailersend"
    settings.ANYMAIL = {"MAILERSEND_SIGNING_SECRET": MAILERSEND_SECRET}


def postmark_event(email, record_type="Bounce", kind="HardBounce"):
    """A bounce or spam complaint webhook body as Postmark documents it."""
    return {
        "RecordType": record_type,
        "ID": secrets.randbelow(10**9),
        "Type": kind,
        "TypeCode": 1,
        "MessageID": "2c1b63fe-43f2-4db5-91b0-8bdfa44a9316",
        "MessageStream": "broadcast",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "news@kuru.example",
        "BouncedAt": "2026-12-02T08:00:00.9070259Z",
        "Inactive": kind in ("HardBounce", "SpamComplaint"),
        "Subject": "December",
        "Metadata": {},
    }


def post_postmark(client, payload, auth=BASIC):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/newsletter/webhooks/postmark/tracking/", body, content_type="application/json", **headers)


def test_a_postmark_hard_bounce_or_complaint_suppresses_the_address(client, postmark):
    make_subscriber("reader@example.com")
    make_subscriber("angry@example.com")
    assert post_postmark(client, postmark_event("Reader@Example.com")).status_code == 200
    assert (
        post_postmark(client, postmark_event("angry@example.com", "SpamComplaint", "SpamComplaint")).status_code == 200
    )
    suppressions = {s.email: s for s in Suppression.objects.all()}
    assert {email: s.reason for email, s in suppressions.items()} == {
        "reader@example.com": "bounce",
        "angry@example.com": "complaint",
    }
    assert suppressions["reader@example.com"].source == "Postmark webhook"
    assert "does not exist" in suppressions["reader@example.com"].description
    assert dict(Subscriber.objects.values_list("email", "status")) == {
        "reader@example.com": "bounced",
        "angry@example.com": "complained",
    }


def test_a_postmark_soft_bounce_suppresses_nothing(client, postmark):
    make_subscriber("full@example.com")
    assert post_postmark(client, postmark_event("full@example.com", kind="SoftBounce")).status_code == 200
    assert post_postmark(client, postmark_event("full@example.com", kind="Transient")).status_code == 200
    assert not Suppression.objects.exists() and Subscriber.objects.get().status == "confirmed"


def test_postmark_calls_without_the_credentials_or_with_a_bad_body_change_nothing(client, postmark, settings):
    assert post_postmark(client, postmark_event("reader@example.com"), auth=None).status_code == 403
    assert post_postmark(client, postmark_event("reader@example.com"), auth="postmark:guess").status_code == 403
    response = post_postmark(client, "{not json")
    assert response.status_code == 400 and response.content == b"Not a Postmark tracking event.\n"
    assert post_postmark(client, "[1, 2]").status_code == 400
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert post_postmark(client, postmark_event("reader@example.com"), auth=None).status_code == 404
    assert not Suppression.objects.exists()


def test_only_the_chosen_providers_webhook_exists(client, postmark, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": "key", "MAILERSEND_SIGNING_SECRET": "s"}
    for other in ("mailgun", "mailersend", "sendgrid", "amazon_ses", "nosuch"):
        assert (
            client.post(f"/newsletter/webhooks/{other}/tracking/", "{}", content_type="application/json").status_code
            == 404
        )
    settings.NEWSLETTER_ESP = "mailgun"
    assert post_postmark(client, postmark_event("reader@example.com")).status_code == 404
    assert not Suppression.objects.exists()


def mailersend_event(email, kind="hard_bounced"):
    """A MailerSend activity webhook body (the format of anymail's own tests)."""
    return {
        "type": f"activity.{kind}",
        "created_at": "2026-12-02T08:00:00.000000Z",
        "webhook_id": "2351ndgwr4zqx8ak",
        "url": "https://kuru.example/newsletter/webhooks/mailersend/tracking/",
        "data": {
            "object": "activity",
            "id": secrets.token_hex(12),
            "type": kind,
            "created_at": "2026-12-02T08:00:00.000000Z",
            "email": {
                "object": "email",
                "id": secrets.token_hex(12),
                "status": "rejected",
                "subject": "December",
                "message": {"object": "message", "id": secrets.token_hex(12)},
                "recipient": {"object": "recipient", "email": email},
                "tags": [],
            },
            "morph": {"object": "recipient_bounce", "reason": "Host or domain name not found"},
        },
    }


def post_mailersend(client, payload, secret=MAILERSEND_SECRET):
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/newsletter/webhooks/mailersend/tracking/", body, content_type="application/json", HTTP_SIGNATURE=signature
    )


def test_a_signed_mailersend_hard_bounce_suppresses_and_a_soft_one_does_not(client, mailersend):
    make_subscriber("reader@example.com")
    make_subscriber("full@example.com")
    assert post_mailersend(client, mailersend_event("full@example.com", "soft_bounced")).status_code == 200
    assert not Suppression.objects.exists()
    assert post_mailersend(client, mailersend_event("reader@example.com"), secret="wrong").status_code == 403
    assert not Suppression.objects.exists()
    assert post_mailersend(client, mailersend_event("reader@example.com")).status_code == 200
    (suppression,) = Suppression.objects.all()
    assert (suppression.email, suppression.reason, suppression.source) == (
        "reader@example.com",
        "bounce",
        "MailerSend webhook",
    )
    assert "domain name not found" in suppression.description
    assert Subscriber.objects.get(email="reader@example.com").status == "bounced"


@pytest.fixture
def sent_issue(smtp_server, settings):
    """Sends an issue to two readers through the real SMTP server; returns {address: [message, delivery]}."""
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    make_subscriber("reader@example.com")
    make_subscriber("other@example.com")
    issue = make_issue(subject="December", slug="december", articles=[make_article(slug="knee-pain")])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    assert send_issue_batch.call(issue.pk) == 2
    return {
        email: [smtp_server.to(email)[0], Delivery.objects.get(issue=issue, subscriber__email=email)]
        for email in ("reader@example.com", "other@example.com")
    }


def _states():
    return dict(Delivery.objects.values_list("subscriber__email", "state"))


def test_a_postmark_bounce_marks_the_delivery_its_metadata_names(client, postmark, sent_issue):
    message, delivery = sent_issue["reader@example.com"]
    # Postmark strips X-PM-Metadata-* headers from the message and echoes them in its events.
    assert message["X-PM-Metadata-delivery"] == str(delivery.pk)
    event = postmark_event("Reader@Example.com")
    event["Metadata"] = {"delivery": message["X-PM-Metadata-delivery"]}
    assert post_postmark(client, event).status_code == 200
    assert _states() == {"reader@example.com": "bounced", "other@example.com": "sent"}
    assert Suppression.objects.get().delivery == delivery


def test_metadata_naming_someone_elses_delivery_marks_nothing(client, postmark, sent_issue):
    _, others = sent_issue["other@example.com"]
    event = postmark_event("reader@example.com")
    event["Metadata"] = {"delivery": str(others.pk)}
    assert post_postmark(client, event).status_code == 200
    assert set(_states().values()) == {"sent"} and Suppression.objects.get().delivery is None


@pytest.mark.parametrize("named", ["1e9", "-1", str(2**64), "٣", "", None, 7.5])
def test_metadata_of_any_shape_suppresses_without_naming_a_delivery(client, postmark, sent_issue, named):
    event = postmark_event("reader@example.com")
    event["Metadata"] = {"delivery": named}
    assert post_postmark(client, event).status_code == 200
    suppression = Suppression.objects.get()
    assert suppression.email == "reader@example.com"
    if named is None:  # as if no metadata: the latest sent delivery, below
        assert suppression.delivery == sent_issue["reader@example.com"][1]
    else:
        assert suppression.delivery is None and set(_states().values()) == {"sent"}


def test_a_mailersend_bounce_marks_the_addresss_latest_recent_delivery(client, mailersend, sent_issue):
    # MailerSend reports neither our Message-ID nor metadata: the latest delivery sent to the address.
    assert post_mailersend(client, mailersend_event("reader@example.com")).status_code == 200
    assert _states() == {"reader@example.com": "bounced", "other@example.com": "sent"}
    assert Suppression.objects.get().delivery == sent_issue["reader@example.com"][1]


def test_a_bounce_days_after_the_last_delivery_marks_none(client, mailersend, sent_issue):
    Delivery.objects.update(sent_at=timezone.now() - timedelta(days=4))
    assert post_mailersend(client, mailersend_event("reader@example.com")).status_code == 200
    assert set(_states().values()) == {"sent"} and Suppression.objects.get().delivery is None


def test_checks_name_an_unknown_provider_and_half_a_configuration(settings):
    settings.NEWSLETTER_ESP = "pigeon"
    assert [m.id for m in check_mail_provider_is_known(None)] == ["newsletter.E001"]
    assert check_bounce_webhook_configured(None) == []
    settings.NEWSLETTER_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    assert check_mail_provider_is_known(None) == [] and check_bounce_webhook_configured(None) == []
    settings.NEWSLETTER_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    (warning,) = check_bounce_webhook_configured(None)
    assert warning.id == "newsletter.W003" and "/newsletter/webhooks/mailgun/tracking/" in warning.hint
