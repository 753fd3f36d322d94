import io
import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.handlers.base import BaseHandler
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletter.forms import TIMESTAMP_SALT, new_stamp
from newsletter.models import Subscriber
from newsletter.services import record_signup
from tests.factories import signup_data
from tests.newsletter.timing import assert_indistinguishable

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"
JSON = {"HTTP_ACCEPT": "application/json"}

# Mail is queued when the signup commits, as in production: real commits, please.
pytestmark = pytest.mark.django_db(transaction=True)


def test_form_on_article_has_consent_honeypot_source_and_placement(client, demo):
    html = client.get(SEED_URL).content.decode()
    assert "I agree to receive KURU’s foot-health newsletter by email." in html
    assert f'name="source" value="{SEED_URL}"' in html
    assert 'name="placement" value="article"' in html
    assert 'name="website"' in html and 'class="signup-form__hp"' in html and 'aria-hidden="true"' in html
    assert 'action="/newsletter/"' in html


def test_signup_box_is_rendered_for_each_page(client, demo, settings):
    """Nothing of the box outlives a request: a new setting shows at once, without a restart."""
    first = client.get(SEED_URL).content.decode()
    settings.NEWSLETTER_CONSENT_TEXT = "I agree to the newsletter’s new wording."
    second = client.get(SEED_URL).content.decode()
    assert "I agree to the newsletter’s new wording." not in first
    assert "I agree to the newsletter’s new wording." in second


def test_no_js_signup_goes_back_to_the_form_and_sends_confirmation(client, demo):
    response = client.post("/newsletter/", signup_data("Reader@Example.com", source=SEED_URL, placement="article"))
    assert response.status_code == 302
    assert response["Location"] == f"{SEED_URL}?newsletter=check-inbox#newsletter"
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("Reader@Example.com", Subscriber.Status.PENDING)
    assert subscriber.source_article == demo and subscriber.placement == "article"
    assert subscriber.consent_version == "2026-11" and subscriber.signed_up_at
    assert subscriber.ip_address == "127.0.0.0"  # truncated to /24 by default
    assert len(mail.outbox) == 1 and subscriber.email_sent_at and subscriber.email_attempts == 1
    page = client.get(response["Location"]).content.decode()
    assert "Check your inbox" in page


def test_js_signup_answers_json_with_the_confirmation(client, db):
    response = client.post("/newsletter/", signup_data("js@example.com"), **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and "Check your inbox" in data["html"] and "<form" not in data["html"]


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address."),
        ("not-an-email", "Enter a valid email address, like name@example.com."),
        ("a" * 250 + "@example.com", "An email address has at most 254 characters."),
        ("victim@example.com\r\nBcc: everyone@example.com", "Enter one email address, without line breaks."),
        ("a@example.com\nb@example.com", "Enter one email address, without line breaks."),
    ],
)
def test_bad_input_is_reported_inline_in_both_modes(client, demo, email, message):
    # With JavaScript: the form comes back in JSON, the error next to the field.
    data = client.post("/newsletter/", signup_data(email, source=SEED_URL), **JSON).json()
    assert data["ok"] is False and message in data["html"] and "is-invalid" in data["html"]
    # Without: back to the article, whose form shows the error and keeps the input.
    response = client.post("/newsletter/", signup_data(email, source=SEED_URL))
    assert response.status_code == 302 and response["Location"] == f"{SEED_URL}#newsletter"
    page = client.get(SEED_URL).content.decode()
    assert message in page.replace("&#x27;", "'")
    assert _stamp_in(page)  # sent once more, it is not taken for stale
    assert (
        'name="csrfmiddlewaretoken" value="' in page
        and 'value=""' not in page.split('name="csrfmiddlewaretoken"')[1][:10]
    )
    # Shown once: the next visit is the clean, cached form again.
    assert message not in client.get(SEED_URL).content.decode()
    assert Subscriber.objects.count() == 0


def test_bad_input_on_the_newsletter_page_is_shown_there(client, db):
    response = client.post("/newsletter/", signup_data("nope"))
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert 'value="nope"' in response.content.decode()


def _answer(client, email):
    response = client.post("/newsletter/", signup_data(email), **JSON)
    return response.status_code, response.content


def test_answer_is_identical_for_new_pending_confirmed_and_unsubscribed(client, db):
    Subscriber.objects.create(email="pending@example.com", status="pending")
    Subscriber.objects.create(email="confirmed@example.com", status="confirmed")
    Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    answers = {
        _answer(client, e)
        for e in ("new@example.com", "pending@example.com", "confirmed@example.com", "gone@example.com")
    }
    assert len(answers) == 1
    assert Subscriber.objects.get(email="gone@example.com").status == "pending"  # back to pending, fresh link
    assert Subscriber.objects.get(email="confirmed@example.com").status == "confirmed"
    assert sorted(m.to[0] for m in mail.outbox) == ["gone@example.com", "new@example.com", "pending@example.com"]


def test_repeat_signup_in_any_case_makes_no_second_row_or_second_mail(client, db):
    client.post("/newsletter/", signup_data("reader@example.com"))
    client.post("/newsletter/", signup_data("READER@example.com"))
    assert Subscriber.objects.count() == 1
    assert len(mail.outbox) == 1  # a pending address is mailed at most once in ten minutes


def test_database_refuses_case_variants(db):
    Subscriber.objects.create(email="A@x.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscriber.objects.create(email="a@x.com")


def test_honeypot_and_too_fast_answer_as_if_it_worked_and_store_nothing(client, db):
    bot = client.post("/newsletter/", signup_data("bot@example.com", website="http://spam.example"), **JSON)
    human = client.post("/newsletter/", signup_data("human@example.com"), **JSON)
    assert (bot.status_code, bot.content) == (human.status_code, human.content)
    fast = signup_data("fast@example.com", rendered_at=new_stamp())
    assert client.post("/newsletter/", fast, **JSON).json()["ok"] is True
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["human@example.com"]


def _stamp_in(html):
    """The stamp in the form in this HTML; "" for none."""
    return re.search(r'name="rendered_at"(?: value="([^"]*)")?', html).group(1) or ""


@pytest.mark.parametrize(
    "stamp",
    [
        "",  # a cached page's form whose JavaScript did not run
        "12345",  # forged
        signing.dumps(time.time() - 30, salt=TIMESTAMP_SALT),  # the bare time pages carried before stamps
        new_stamp(time.time() - 3601),  # past NEWSLETTER_FORM_MAX_AGE
    ],
    ids=["missing", "forged", "old-format", "expired"],
)
def test_a_stale_stamp_gives_the_form_back_as_typed_in_both_modes(client, db, stamp):
    data = signup_data("keep@example.com", source=SEED_URL, placement="article", rendered_at=stamp)
    answer = client.post("/newsletter/", data, **JSON)
    assert answer.status_code == 403 and answer.json()["ok"] is False
    box = answer.json()["html"]
    assert "press Subscribe once more" in box and 'value="keep@example.com"' in box
    assert _stamp_in(box) not in ("", stamp)  # a fresh one
    page = client.post("/newsletter/", data)
    html = page.content.decode()
    assert page.status_code == 403 and "press Subscribe once more" in html and 'value="keep@example.com"' in html
    assert f'name="source" value="{SEED_URL}"' in html and _stamp_in(html) not in ("", stamp)
    assert Subscriber.objects.count() == 0


def test_pressing_subscribe_once_more_signs_up(client, db, monkeypatch):
    answer = client.post("/newsletter/", signup_data("again@example.com", rendered_at=""))
    assert answer.status_code == 403
    later = time.time() + 3
    monkeypatch.setattr("newsletter.forms.time.time", lambda: later)
    again = client.post(
        "/newsletter/", signup_data("again@example.com", rendered_at=_stamp_in(answer.content.decode()))
    )
    assert again.status_code == 302 and Subscriber.objects.get().email == "again@example.com"


def test_cached_pages_carry_no_stamp_and_the_token_endpoint_gives_fresh_ones(client, demo, page_cache):
    client.get(SEED_URL)
    page = client.get(SEED_URL)
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    assert _stamp_in(html) == "" and 'data-min-fill="2"' in html and 'data-max-age="3600"' in html
    one, two = client.get("/newsletter/token/"), client.get("/newsletter/token/")
    assert "no-cache" in one["Cache-Control"] and "X-Page-Cache" not in one
    assert one.json()["stamp"] != two.json()["stamp"] and one.json()["token"]


def _captured(client):
    """A form from a cached page with the token and stamp its JavaScript fetched, as a bot would keep it."""
    fetched = client.get("/newsletter/token/").json()
    return {"csrfmiddlewaretoken": fetched["token"], "rendered_at": fetched["stamp"]}


def test_one_stamp_replayed_from_many_clients_signs_up_one_address(db, settings, monkeypatch):
    settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE = 1000
    visitor = Client(enforce_csrf_checks=True)
    captured = _captured(visitor)
    later = time.time() + 30
    monkeypatch.setattr("newsletter.forms.time.time", lambda: later)
    answers = [
        visitor.post("/newsletter/", signup_data(f"r{n}@example.com", **captured), REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(50)
    ]
    assert [a.status_code for a in answers] == [302] + [403] * 49
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["r0@example.com"]


def test_a_captured_form_replayed_after_the_max_age_is_not_accepted(db, settings, monkeypatch):
    visitor = Client(enforce_csrf_checks=True)
    captured = _captured(visitor)
    later = time.time() + settings.NEWSLETTER_FORM_MAX_AGE + 1
    monkeypatch.setattr("newsletter.forms.time.time", lambda: later)
    answer = visitor.post("/newsletter/", signup_data("late@example.com", **captured))
    assert answer.status_code == 403 and "press Subscribe once more" in answer.content.decode()
    assert Subscriber.objects.count() == 0


def test_fresh_stamps_from_one_client_are_still_rate_limited(db, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE = 5
    visitor = Client(enforce_csrf_checks=True)
    statuses = [
        visitor.post(
            "/newsletter/",
            signup_data(f"s{n}@example.com", csrfmiddlewaretoken=_captured(visitor)["csrfmiddlewaretoken"]),
        ).status_code
        for n in range(8)
    ]
    assert statuses == [302] * 5 + [429] * 3 and Subscriber.objects.count() == 5


def test_rate_limit_is_polite_and_429(client, db, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE = 2
    for n in range(2):
        assert client.post("/newsletter/", signup_data(f"r{n}@example.com"), **JSON).status_code == 200
    limited = client.post("/newsletter/", signup_data("r3@example.com"), **JSON)
    assert limited.status_code == 429
    assert "Please wait a minute and try again." in limited.json()["html"]
    page = client.post("/newsletter/", signup_data("r4@example.com", source=SEED_URL))
    assert page.status_code == 429 and 'value="r4@example.com"' in page.content.decode()
    assert Subscriber.objects.count() == 2


def test_single_opt_in_setting_subscribes_at_once(client, demo, settings):
    settings.NEWSLETTER_DOUBLE_OPT_IN = False
    response = client.post("/newsletter/", signup_data("now@example.com", source=SEED_URL))
    assert response["Location"] == f"{SEED_URL}?newsletter=subscribed#newsletter"
    assert Subscriber.objects.get().status == "confirmed"
    assert "You’re Subscribed" in client.get(response["Location"]).content.decode()
    assert mail.outbox[0].subject == "You’re subscribed to the KURU newsletter"


@pytest.mark.parametrize("mode, stored", [("truncated", "203.0.113.0"), ("none", None), ("full", "203.0.113.77")])
def test_ip_storage_follows_the_setting(client, db, settings, mode, stored):
    settings.NEWSLETTER_IP_STORAGE = mode
    client.post("/newsletter/", signup_data("ip@example.com"), REMOTE_ADDR="203.0.113.77")
    assert Subscriber.objects.get().ip_address == stored


def test_offsite_source_is_not_followed(client, db):
    response = client.post("/newsletter/", signup_data("a@example.com", source="//evil.example/"))
    assert response["Location"] == "/newsletter/?newsletter=check-inbox#newsletter"


def test_failed_send_keeps_the_subscriber_and_shows_staff(client, db, settings, admin_client):
    settings.EMAIL_BACKEND = "tests.newsletter.failing_backend.EmailBackend"
    response = client.post("/newsletter/", signup_data("unlucky@example.com"), **JSON)
    assert response.json()["ok"] is True
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending" and "SMTPServerDisconnected" in subscriber.email_error
    listing = admin_client.get("/admin/newsletter/subscriber/").content.decode()
    assert "Failed (1 attempts)" in listing
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin_client.post(
        "/admin/newsletter/subscriber/", {"action": "resend_confirmation", "_selected_action": [subscriber.pk]}
    )
    subscriber.refresh_from_db()
    assert subscriber.email_error == "" and subscriber.email_attempts == 2 and len(mail.outbox) == 1


def test_signups_per_article_in_admin(client, demo, admin_client):
    client.post("/newsletter/", signup_data("one@example.com", source=SEED_URL))
    client.post("/newsletter/", signup_data("two@example.com", source=SEED_URL))
    # Both still to confirm: no signups yet (tests/newsletter/test_article_signups.py has the rest).
    html = admin_client.get("/admin/articles/article/").content.decode()
    assert f"?source_article__id__exact={demo.pk}" not in html
    Subscriber.objects.filter(email="two@example.com").update(status=Subscriber.Status.CONFIRMED)
    html = admin_client.get("/admin/articles/article/").content.decode()
    assert f'?source_article__id__exact={demo.pk}&amp;status__exact=confirmed">1</a>' in html


def test_json_error_shapes(client, db):
    data = json.loads(client.post("/newsletter/", signup_data(""), **JSON).content)
    assert set(data) == {"ok", "html"}


def test_a_mail_queued_but_not_yet_sent_is_not_queued_again(client, settings):
    # The window where mail is queued but not yet sent is where concurrent signups doubled it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for email in ("twice@example.com", "Twice@Example.com"):
        record_signup.call(
            email=email, source_url="/", placement="page", ip=None, requested_at=timezone.now().isoformat()
        )
    assert Subscriber.objects.get().email_sent_at is None  # the worker has not sent it yet
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    assert [m.to for m in mail.outbox] == [["twice@example.com"]]


def test_someone_who_left_gets_a_fresh_link_at_once(client):
    client.post("/newsletter/", signup_data("back@example.com"))
    Subscriber.objects.update(status=Subscriber.Status.UNSUBSCRIBED)
    client.post("/newsletter/", signup_data("back@example.com"))
    assert len(mail.outbox) == 2 and Subscriber.objects.get().status == "pending"


def test_a_pending_address_is_mailed_again_after_ten_minutes(client):
    client.post("/newsletter/", signup_data("later@example.com"))
    Subscriber.objects.update(email_queued_at=timezone.now() - timedelta(minutes=11))
    client.post("/newsletter/", signup_data("later@example.com"))
    assert len(mail.outbox) == 2


def _unsent_signup(handler, email):
    """POST a signup through every middleware; the response as the server holds it before sending."""
    request = RequestFactory().post("/newsletter/", signup_data(email), HTTP_ACCEPT="application/json")
    request._dont_enforce_csrf_checks = True  # the CSRF token is tested elsewhere
    return handler.get_response(request)


def _handler():
    handler = BaseHandler()
    handler.load_middleware()
    return handler


def test_the_request_does_the_same_work_for_every_state(settings):
    """No query and the same answer for every state; the state matters only once the answer is sent."""
    for state in ("pending", "confirmed", "unsubscribed"):
        Subscriber.objects.create(email=f"{state}@example.com", status=state)
    handler = _handler()
    answers = set()
    for state in ("new", "pending", "confirmed", "unsubscribed"):
        mails = len(mail.outbox)
        with CaptureQueriesContext(connection) as queries:
            response = _unsent_signup(handler, f"{state}@example.com")
        assert list(queries) == [] and len(mail.outbox) == mails, state
        answers.add((response.status_code, response.content))
        response.close()  # sent: now the task runs
    assert len(answers) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [
        "new@example.com",
        "pending@example.com",
        "unsubscribed@example.com",
    ]
    assert Subscriber.objects.get(email="confirmed@example.com").status == "confirmed"


def _timings(handler, emails, tries):
    times = {kind: [] for kind in emails}
    for n in range(tries):
        for kind in sorted(emails, reverse=n % 2):  # alternate who goes first
            email = emails[kind].format(n=n)
            started = time.perf_counter()
            response = _unsent_signup(handler, email)
            times[kind].append((time.perf_counter() - started) * 1000)
            response.close()
    return times


def test_answer_time_does_not_tell_a_confirmed_address_from_a_new_one(settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE = 1000
    Subscriber.objects.create(email="known@example.com", status=Subscriber.Status.CONFIRMED)
    handler = _handler()
    _timings(handler, {"new": "warm{n}@example.com", "confirmed": "known@example.com"}, 3)
    times = _timings(handler, {"new": "new{n}@example.com", "confirmed": "known@example.com"}, 30)
    assert_indistinguishable(times)
    assert Subscriber.objects.count() == 1 + 3 + 30 and len(mail.outbox) == 3 + 30
