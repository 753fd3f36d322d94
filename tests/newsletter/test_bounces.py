"""Bounces and complaints: Mailgun's signed tracking webhooks (anymail) suppress an address for good."""

import base64
import hashlib
import hmac
import importlib
import json
import re
import secrets
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from newsletter.models import Delivery, Issue, Subscriber, Suppression
from newsletter.reports import issue_report
from newsletter.tasks import send_issue_batch, send_issue_test, send_subscriber_email
from tests.factories import make_article, make_issue, make_subscriber

pytestmark = pytest.mark.django_db

URL = "/newsletter/webhooks/mailgun/tracking/"
BASIC = "mailgun:webhook-secret-for-tests"
SIGNING_KEY = "key-signing-for-tests"


@pytest.fixture(autouse=True)
def _webhook_secrets(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    settings.NEWSLETTER_SEND_PER_MINUTE = 0


def mailgun_event(recipient, event="failed", *, severity="permanent", message_id=None, key=SIGNING_KEY, token=None):
    """A tracking webhook body as Mailgun posts it (the format of anymail's own tests), signed with `key`."""
    timestamp = str(int(timezone.now().timestamp()))
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "tags": [],
        "timestamp": float(timestamp),
        "log-level": "error" if event == "failed" else "warn",
        "id": secrets.token_urlsafe(16),
        "campaigns": [],
        "user-variables": {},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "recipient-domain": recipient.split("@")[1],
        "envelope": {"sender": "news@kuru.example", "transport": "smtp", "targets": recipient},
        "message": {
            "headers": {
                "to": recipient,
                "message-id": (message_id or "20261202031713.1.DF5966851B4BAA99@kuru.example").strip("<>"),
                "from": "KURU Footwear <news@kuru.example>",
                "subject": "December",
            },
            "attachments": [],
            "size": 1111,
        },
        "recipient": recipient,
        "event": event,
    }
    if event == "failed":
        data["reason"] = "bounce" if severity == "permanent" else "generic"
        data["severity"] = severity
        data["delivery-status"] = {
            "attempt-no": 1,
            "message": "5.1.1 The email account that you tried to reach does not exist."
            if severity == "permanent"
            else "4.2.2 Mailbox full, try again later.",
            "code": 550 if severity == "permanent" else 452,
            "description": "",
            "session-seconds": 0.4,
        }
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}


def post(client, payload, auth=BASIC, content_type="application/json"):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    return client.post(URL, body, content_type=content_type, **headers)


@pytest.fixture
def sent_issue(smtp_server):
    """An issue sent to two readers through the real SMTP server, and the Message-IDs they received."""
    make_subscriber("reader@example.com")
    make_subscriber("other@example.com")
    issue = make_issue(subject="December", slug="december", articles=[make_article(slug="knee-pain")])
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    assert send_issue_batch.call(issue.pk) == 2
    (message,) = smtp_server.to("reader@example.com")
    return issue, message["Message-ID"]


def _summary(issue):
    return dict(issue_report(issue)[0].rows)


def test_hard_bounce_suppresses_and_marks_the_delivery(client, sent_issue):
    issue, message_id = sent_issue
    response = post(client, mailgun_event("Reader@Example.com", message_id=message_id))
    assert response.status_code == 200
    (suppression,) = Suppression.objects.all()
    assert suppression.email == "reader@example.com" and suppression.reason == "bounce"
    assert suppression.source == "Mailgun webhook" and "does not exist" in suppression.description
    assert suppression.created_at and suppression.is_active()
    delivery = Delivery.objects.get(issue=issue, subscriber__email="reader@example.com")
    assert delivery.state == "bounced" and suppression.delivery == delivery
    assert Delivery.objects.get(issue=issue, subscriber__email="other@example.com").state == "sent"
    summary = _summary(issue)
    assert summary["Bounced (hard bounces reported by the mail provider)"] == 1 and summary["Sent"] == 1
    assert list(Subscriber.objects.deliverable().values_list("email", flat=True)) == ["other@example.com"]


def test_complaint_suppresses_and_is_counted(client, sent_issue):
    issue, message_id = sent_issue
    assert post(client, mailgun_event("reader@example.com", "complained", message_id=message_id)).status_code == 200
    (suppression,) = Suppression.objects.all()
    assert suppression.reason == "complaint"
    # The message did arrive: the delivery stays sent, the issue counts a spam report.
    assert Delivery.objects.get(issue=issue, subscriber__email="reader@example.com").state == "sent"
    assert (
        _summary(issue)["Marked as spam"] == 1
        and _summary(issue)["Bounced (hard bounces reported by the mail provider)"] == 0
    )


def test_soft_bounce_does_not_suppress(client, sent_issue):
    issue, message_id = sent_issue
    assert (
        post(client, mailgun_event("reader@example.com", severity="temporary", message_id=message_id)).status_code
        == 200
    )
    assert not Suppression.objects.exists()
    assert set(Delivery.objects.filter(issue=issue).values_list("state", flat=True)) == {"sent"}


@pytest.mark.parametrize(
    "auth, key",
    [(BASIC, "a-key-not-ours"), ("mailgun:wrong", SIGNING_KEY), (None, SIGNING_KEY)],
    ids=["bad-signature", "bad-basic-auth", "no-basic-auth"],
)
def test_refuses_unsigned_or_wrongly_signed_calls(client, sent_issue, auth, key):
    issue, message_id = sent_issue
    response = post(client, mailgun_event("reader@example.com", message_id=message_id, key=key), auth=auth)
    assert response.status_code == 403 and b"Refused" in response.content
    assert not Suppression.objects.exists()
    assert set(Delivery.objects.filter(issue=issue).values_list("state", flat=True)) == {"sent"}


def test_unknown_address_is_suppressed_without_touching_deliveries(client, sent_issue):
    issue, _ = sent_issue
    response = post(client, mailgun_event("stranger@example.net", message_id=sent_issue[1]))
    assert response.status_code == 200
    # The Message-ID named another recipient's delivery: that row is left alone.
    assert set(Delivery.objects.filter(issue=issue).values_list("state", flat=True)) == {"sent"}
    assert list(Suppression.objects.values_list("email", "delivery")) == [("stranger@example.net", None)]


def test_a_repeated_event_changes_nothing(client, sent_issue):
    issue, message_id = sent_issue
    payload = mailgun_event("reader@example.com", message_id=message_id)
    assert post(client, payload).status_code == 200
    first = Suppression.objects.get()
    assert post(client, payload).status_code == 200
    # Another event for the address already suppressed keeps its first record.
    assert post(client, mailgun_event("reader@example.com", "complained")).status_code == 200
    assert list(Suppression.objects.all()) == [first] and Suppression.objects.get().reason == "bounce"
    assert _summary(issue)["Bounced (hard bounces reported by the mail provider)"] == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", b"not JSON"),
        (b"\xff\xfe", b"not JSON"),
        ("[]", b"Not a Mailgun tracking event"),
        ('{"signature": "x"}', b"Not a Mailgun tracking event"),
        ('{"signature": {"token": ["a"], "timestamp": {}, "signature": 1}}', b"Refused"),
        ('{"signature": {}, "event-data": {}}', b"Refused"),
    ],
)
def test_malformed_bodies_get_a_clear_4xx(client, body, message):
    response = post(client, body)
    assert response.status_code in (400, 403) and message in response.content
    assert not Suppression.objects.exists()


def test_signed_but_not_an_event_is_a_400(client):
    payload = mailgun_event("reader@example.com")
    payload["event-data"] = {"recipient": "reader@example.com"}  # no event, no timestamp
    response = post(client, payload)
    assert response.status_code == 400 and b"Not a Mailgun tracking event" in response.content
    payload["event-data"] = "a string"
    assert post(client, payload).status_code == 400
    assert not Suppression.objects.exists()


def test_endpoint_is_absent_until_both_secrets_are_set(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert post(client, mailgun_event("reader@example.com")).status_code == 404
    settings.ANYMAIL = {"WEBHOOK_SECRET": "", "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    assert post(client, mailgun_event("reader@example.com", key=SIGNING_KEY), auth=None).status_code == 404
    assert not Suppression.objects.exists()


# Every send path skips a suppressed address.


def test_an_issue_skips_suppressed_addresses(client, smtp_server):
    make_subscriber("reader@example.com")
    make_subscriber("bounced@example.com")
    assert post(client, mailgun_event("BOUNCED@example.com")).status_code == 200
    issue = make_issue()
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    assert send_issue_batch.call(issue.pk) == 1
    assert smtp_server.recipients() == ["reader@example.com"]
    assert list(Delivery.objects.values_list("subscriber__email", flat=True)) == ["reader@example.com"]


def test_an_address_suppressed_during_a_send_is_skipped(client, smtp_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_subscriber("first@example.com")
    make_subscriber("later@example.com")
    issue = make_issue()
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    from newsletter.sending import deliveries_create

    assert deliveries_create(issue.pk)  # both have a delivery
    assert post(client, mailgun_event("later@example.com", "complained")).status_code == 200
    send_issue_batch.call(issue.pk)
    assert smtp_server.recipients() == ["first@example.com"]
    assert dict(Delivery.objects.values_list("subscriber__email", "state")) == {
        "first@example.com": "sent",
        "later@example.com": "skipped",
    }


def test_confirmation_welcome_and_test_mails_skip_suppressed_addresses(client, smtp_server):
    pending = make_subscriber("pending@example.com", status="pending")
    confirmed = make_subscriber("confirmed@example.com")
    for address in ("pending@example.com", "confirmed@example.com", "editor@example.com"):
        assert post(client, mailgun_event(address)).status_code == 200
    assert send_subscriber_email.call(pending.pk, "confirm") is False
    assert send_subscriber_email.call(confirmed.pk, "welcome") is False
    assert send_issue_test.call(make_issue().pk, "Editor@example.com") is False
    assert smtp_server.recipients() == []
    # Lifted, the address may get mail again; the subscriber gets some once back on the list.
    Suppression.objects.filter(email__in=["pending@example.com", "confirmed@example.com"]).update(
        lifted_at=timezone.now()
    )
    assert send_subscriber_email.call(pending.pk, "confirm") is False
    assert send_subscriber_email.call(confirmed.pk, "welcome") is False
    Subscriber.objects.filter(pk=pending.pk).update(status="pending")
    assert send_subscriber_email.call(pending.pk, "confirm") is True
    assert smtp_server.recipients() == ["pending@example.com"]


def test_send_a_test_to_a_suppressed_address_says_why_in_the_admin(staff_client, client, smtp_server):
    from tests.admin_forms import form_data

    issue = make_issue(subject="December")
    assert post(client, mailgun_event("Editor@example.com")).status_code == 200
    page = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/change/")
    response = staff_client.post(
        f"/admin/newsletter/issue/{issue.pk}/change/", {**form_data(page), "_send_test": "1"}, follow=True
    )
    html = response.content.decode()
    assert "No test was sent: editor@example.com is suppressed (hard bounce reported by Mailgun webhook" in html
    assert "a test is on its way" not in html and 'class="error"' in html
    assert smtp_server.recipients() == []
    # Lifted, the next test goes out and says so.
    Suppression.objects.update(lifted_at=timezone.now())
    response = staff_client.post(
        f"/admin/newsletter/issue/{issue.pk}/change/", {**form_data(page), "_send_test": "1"}, follow=True
    )
    assert "a test is on its way to editor@example.com" in response.content.decode()
    assert smtp_server.recipients() == ["editor@example.com"]


def test_review_mails_skip_suppressed_staff_addresses(client, smtp_server, django_user_model):
    from articles import reviews
    from articles.models import ReviewComment
    from tests.admin_forms import staff_user
    from tests.factories import make_ready_draft

    writer = staff_user(django_user_model, "walt", "Writers")
    staff_user(django_user_model, "edna", "Editors")
    staff_user(django_user_model, "emil", "Editors")
    assert post(client, mailgun_event("EDNA@example.com", "complained")).status_code == 200
    reviews.review_submit(article=make_ready_draft(), user=writer, text="Please look.")
    (comment,) = ReviewComment.objects.all()
    assert reviews.send_review_email.call(comment.pk) == 1
    assert smtp_server.recipients() == ["emil@example.com"]


# What a suppression makes of the subscriber.


def test_a_bounce_or_complaint_takes_the_subscriber_off_the_list(client, staff_client):
    make_subscriber("Reader@Example.com")
    make_subscriber("pending@example.com", status="pending")
    make_subscriber("left@example.com", status="unsubscribed")
    make_subscriber("stays@example.com")
    for address, event in [("reader@example.com", "failed"), ("pending@example.com", "complained")]:
        assert post(client, mailgun_event(address, event)).status_code == 200
    assert post(client, mailgun_event("left@example.com")).status_code == 200
    assert dict(Subscriber.objects.values_list("email", "status")) == {
        "Reader@Example.com": "bounced",
        "pending@example.com": "complained",
        "left@example.com": "unsubscribed",  # who left stays as they left
        "stays@example.com": "confirmed",
    }
    assert list(Subscriber.objects.confirmed().values_list("email", flat=True)) == ["stays@example.com"]
    assert Subscriber.objects.deliverable().count() == Subscriber.objects.confirmed().count() == 1
    html = staff_client.get("/admin/newsletter/subscriber/?status__exact=bounced").content.decode()
    assert "Reader@Example.com" in html and "stays@example.com" not in html
    assert "Bounced (address suppressed)" in html
    # A later complaint about an address already off the list changes nothing.
    assert post(client, mailgun_event("reader@example.com", "complained")).status_code == 200
    assert Subscriber.objects.get(email="Reader@Example.com").status == "bounced"


def test_lifting_does_not_resubscribe_a_new_signup_must_confirm(
    client, staff_client, smtp_server, django_capture_on_commit_callbacks
):
    from newsletter.services import subscriber_signup

    make_subscriber("reader@example.com")
    assert post(client, mailgun_event("reader@example.com")).status_code == 200
    # Signing up while suppressed: no mail can go there, so nothing changes.
    with django_capture_on_commit_callbacks(execute=True):
        subscriber_signup(email="reader@example.com")
    assert Subscriber.objects.get().status == "bounced" and smtp_server.recipients() == []

    suppression = Suppression.objects.get()
    page = staff_client.get(f"/admin/newsletter/suppression/{suppression.pk}/lift/").content.decode()
    assert "it is not put back on the list" in page
    staff_client.post(f"/admin/newsletter/suppression/{suppression.pk}/lift/")
    assert not Suppression.objects.get().is_active()
    assert Subscriber.objects.get().status == "bounced" and not Subscriber.objects.deliverable().exists()

    with django_capture_on_commit_callbacks(execute=True):
        subscriber_signup(email="reader@example.com")
    assert Subscriber.objects.get().status == "pending"
    (message,) = smtp_server.to("reader@example.com")
    (confirm,) = re.findall(
        r"https?://[^/\s]+(/newsletter/confirm/[^/\s]+/)", message.get_body(("plain",)).get_content()
    )
    assert client.post(confirm).status_code == 200
    assert Subscriber.objects.get().status == "confirmed" and Subscriber.objects.deliverable().exists()


def test_the_migration_takes_suppressed_subscribers_off_the_list_and_back(db):
    from django.apps import apps

    migration = importlib.import_module("newsletter.migrations.0008_subscriber_suppressed_status")
    now = timezone.now()
    make_subscriber("Confirmed@example.com", signed_up_at=now, confirmed_at=now)
    make_subscriber("pending@example.com", status="pending", signed_up_at=now)
    make_subscriber("again@example.com", status="pending", signed_up_at=now, confirmed_at=now - timedelta(days=9))
    make_subscriber("left@example.com", status="unsubscribed")
    make_subscriber("lifted@example.com")
    make_subscriber("fine@example.com")
    for address, reason in [
        ("confirmed@example.com", "bounce"),
        ("pending@example.com", "complaint"),
        ("again@example.com", "bounce"),
        ("left@example.com", "bounce"),
    ]:
        Suppression.objects.create(email=address, reason=reason, source="test")
    Suppression.objects.create(email="lifted@example.com", reason="bounce", source="test", lifted_at=now)
    before = dict(Subscriber.objects.values_list("email", "status"))

    migration.take_suppressed_off_the_list(apps, None)
    assert dict(Subscriber.objects.values_list("email", "status")) == {
        **before,
        "Confirmed@example.com": "bounced",
        "pending@example.com": "complained",
        "again@example.com": "bounced",
    }
    migration.put_back_as_before(apps, None)
    assert dict(Subscriber.objects.values_list("email", "status")) == before


# The admin.


def test_admin_lists_searches_and_lifts_with_confirmation(staff_client, client):
    post(client, mailgun_event("gone@example.com"))
    post(client, mailgun_event("angry@example.com", "complained"))
    page = staff_client.get("/admin/newsletter/suppression/?q=gone")
    html = page.content.decode()
    assert page.status_code == 200 and "gone@example.com" in html and "angry@example.com" not in html
    assert "Hard bounce" in html and "Mailgun webhook" in html
    suppression = Suppression.objects.get(email="gone@example.com")
    lift = f"/admin/newsletter/suppression/{suppression.pk}/lift/"
    ask = staff_client.get(lift)
    assert ask.status_code == 200 and b"Yes, lift the suppression" in ask.content
    suppression.refresh_from_db()
    assert suppression.is_active()  # asking changes nothing
    response = staff_client.post(lift)
    assert response.status_code == 302
    suppression.refresh_from_db()
    assert not suppression.is_active() and suppression.lifted_by.username == "editor"
    assert LogEntry.objects.get(object_id=str(suppression.pk)).get_change_message() == "Lifted the suppression."
    assert not Suppression.objects.is_suppressed("gone@example.com")
    assert "lifted" in staff_client.get("/admin/newsletter/suppression/?state=lifted").content.decode().lower()
    # A new bounce suppresses it anew, beside the lifted record.
    post(client, mailgun_event("gone@example.com"))
    assert Suppression.objects.filter(email="gone@example.com").count() == 2
    assert Suppression.objects.is_suppressed("gone@example.com")


def test_lifting_needs_change_permission(client, django_user_model):
    post(client, mailgun_event("gone@example.com"))
    suppression = Suppression.objects.get()
    viewer = django_user_model.objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_suppression"))
    client.force_login(viewer)
    assert client.get("/admin/newsletter/suppression/").status_code == 200
    assert client.post(f"/admin/newsletter/suppression/{suppression.pk}/lift/").status_code == 403
    suppression.refresh_from_db()
    assert suppression.is_active()


def test_deploy_check_warns_about_half_a_configuration(settings):
    from newsletter.checks import check_bounce_webhook_configured

    assert check_bounce_webhook_configured(None) == []  # both set (the autouse fixture)
    settings.ANYMAIL = {"WEBHOOK_SECRET": "", "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert check_bounce_webhook_configured(None) == []  # off on purpose
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert [m.id for m in check_bounce_webhook_configured(None)] == ["newsletter.W003"]


def test_an_import_does_not_put_a_suppressed_subscriber_back(client, tmp_path):
    from newsletter.exchange import subscribers_import

    make_subscriber("reader@example.com")
    assert post(client, mailgun_event("reader@example.com", "complained")).status_code == 200
    (tmp_path / "subscribers.csv").write_text("email,status\nreader@example.com,confirmed\nnew@example.com,confirmed\n")
    result = subscribers_import(path=tmp_path / "subscribers.csv")
    assert (result.created, result.kept_unsubscribed) == (1, 1)
    assert Subscriber.objects.get(email="reader@example.com").status == "complained"
