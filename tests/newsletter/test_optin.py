import io
import re
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from newsletter.models import Subscriber
from tests.factories import signup_data

pytestmark = pytest.mark.django_db(transaction=True)


def _link(message, kind):
    return re.search(rf"http://127\.0\.0\.1:8000(/newsletter/{kind}/[^/\s]+/)", message.body).group(1)


def test_double_opt_in_end_to_end_through_the_email(client):
    client.post("/newsletter/", signup_data("Reader@example.com"))
    (message,) = mail.outbox
    assert message.to == ["Reader@example.com"]
    confirm = _link(message, "confirm")
    # A mail scanner following the link subscribes nobody.
    page = client.get(confirm)
    assert page.status_code == 200 and 'value="Confirm"' in page.content.decode()
    assert Subscriber.objects.get().status == "pending"
    # The person presses Confirm (a real browser form: CSRF enforced).
    browser = Client(enforce_csrf_checks=True)
    html = browser.get(confirm).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    done = browser.post(confirm, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "You’re Subscribed" in done.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at


def test_every_email_has_one_click_unsubscribe_headers(client, settings):
    client.post("/newsletter/", signup_data("a@example.com"))
    settings.NEWSLETTER_DOUBLE_OPT_IN = False
    client.post("/newsletter/", signup_data("b@example.com"))
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        unsubscribe = _link(message, "unsubscribe")
        assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{unsubscribe}>"
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()


def test_one_click_unsubscribe_needs_no_csrf_but_a_valid_token(client):
    client.post("/newsletter/", signup_data("leaving@example.com"))
    unsubscribe = _link(mail.outbox[0], "unsubscribe")
    provider = Client(enforce_csrf_checks=True)
    assert "Press Unsubscribe" in provider.get(unsubscribe).content.decode()
    assert Subscriber.objects.get().status == "pending"
    response = provider.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at
    # Tampered and foreign tokens are refused.
    assert provider.post(unsubscribe[:-3] + "xx/").status_code == 400
    assert provider.post("/newsletter/unsubscribe/not-a-token/").status_code == 400


def test_expired_links_are_refused(client, settings, monkeypatch):
    client.post("/newsletter/", signup_data("late@example.com"))
    confirm = _link(mail.outbox[0], "confirm")
    unsubscribe = _link(mail.outbox[0], "unsubscribe")
    later = time.time() + settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE + 10
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.get(confirm).status_code == 400
    assert client.post(confirm).status_code == 400
    assert client.post(unsubscribe).status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_confirm_link_of_someone_who_left_does_not_resubscribe(client):
    client.post("/newsletter/", signup_data("changed.mind@example.com"))
    confirm = _link(mail.outbox[0], "confirm")
    client.post(_link(mail.outbox[0], "unsubscribe"))
    response = client.post(confirm)
    assert "This link no longer applies" in response.content.decode()
    assert Subscriber.objects.get().status == "unsubscribed"


def _export():
    out = io.StringIO()
    call_command("export_subscribers", stdout=out)
    return out.getvalue()


def test_export_import_round_trip_keeps_every_field(client, demo, tmp_path):
    client.post("/newsletter/", signup_data("one@example.com", source=demo.get_absolute_url(), placement="article"))
    client.post("/newsletter/", signup_data("two@example.com"))
    client.post(_link(mail.outbox[0], "confirm"))
    client.post(_link(mail.outbox[1], "unsubscribe"))
    first = _export()
    assert first.splitlines()[0] == (
        "email,status,created_at,signed_up_at,confirmed_at,unsubscribed_at,source_url,source_article,placement,"
        "consent_version,ip_address"
    )
    path = tmp_path / "subscribers.csv"
    path.write_text(first)
    Subscriber.objects.all().delete()
    call_command("import_subscribers", path, stdout=io.StringIO())
    assert _export() == first
    call_command("import_subscribers", path, stdout=io.StringIO())  # idempotent
    assert _export() == first and Subscriber.objects.count() == 2


def test_import_never_resubscribes_an_unsubscribed_address(client, tmp_path):
    Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    path = tmp_path / "list.csv"
    path.write_text("email,status\nGONE@example.com,confirmed\nnew@example.com,confirmed\n")
    out = io.StringIO()
    call_command("import_subscribers", path, stdout=out)
    assert "1 created, 0 updated, 1 kept unsubscribed" in out.getvalue()
    assert Subscriber.objects.get(email="gone@example.com").status == "unsubscribed"


@pytest.mark.parametrize(
    "row, message",
    [
        ("not-an-email,confirmed,", "bad.csv:3: 'not-an-email' is not a valid email address."),
        ("b@example.com,maybe,", "bad.csv:3: status: Value 'maybe' is not a valid choice."),
        ("b@example.com,confirmed,yesterday", "bad.csv:3: created_at 'yesterday' is not an ISO date-time"),
        ("A@example.com,pending,", "bad.csv:3: 'A@example.com' appears already on line 2."),
    ],
)
def test_import_of_a_malformed_row_reports_it_and_writes_nothing(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"email,status,created_at\na@example.com,confirmed,\n{row}\n")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_subscribers", path)
    assert message in str(excinfo.value)
    assert Subscriber.objects.count() == 0


def test_admin_csv_export(admin_client, client):
    client.post("/newsletter/", signup_data("csv@example.com"))
    pk = Subscriber.objects.get().pk
    response = admin_client.post("/admin/newsletter/subscriber/", {"action": "export_csv", "_selected_action": [pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert "csv@example.com,pending," in response.content.decode()


def test_production_backend_sends_from_the_worker_not_the_request(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    client.post("/newsletter/", signup_data("queued@example.com"))
    assert mail.outbox == []  # the request only queued it
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    assert [m.to for m in mail.outbox] == [["queued@example.com"]]
    assert Subscriber.objects.get().email_sent_at is not None


def test_failed_send_is_retried_later_by_the_worker(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.newsletter.failing_backend.EmailBackend"
    from django_tasks_db.models import DBTaskResult

    client.post("/newsletter/", signup_data("retry@example.com"))
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    subscriber = Subscriber.objects.get()
    assert subscriber.email_attempts == 1 and "SMTPServerDisconnected" in subscriber.email_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after is not None and retry.args_kwargs["args"] == [subscriber.pk, "confirm"]
    # The mail server is back and the retry is due.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.utils import timezone

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    subscriber.refresh_from_db()
    assert subscriber.email_attempts == 2 and subscriber.email_error == "" and len(mail.outbox) == 1
