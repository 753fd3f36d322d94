from newsletter.models import Subscriber

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"


def test_signup_form_on_article_has_csrf_and_source(client, demo):
    client = client.__class__(enforce_csrf_checks=True)
    html = client.get(SEED_URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="source" value="{SEED_URL}"' in html
    assert 'action="/newsletter/"' in html


def test_signup_without_javascript_returns_to_the_form(client, db):
    response = client.post("/newsletter/", {"email": "Reader@Example.com", "source": SEED_URL})
    assert response.status_code == 302
    assert response["Location"] == f"{SEED_URL}?subscribed=1#newsletter"
    assert Subscriber.objects.get().email == "Reader@Example.com"


def test_repeat_signup_any_case_makes_no_second_row(client, db):
    client.post("/newsletter/", {"email": "reader@example.com"})
    client.post("/newsletter/", {"email": "READER@example.com"})
    assert Subscriber.objects.count() == 1


def test_bad_email_gets_inline_error_and_keeps_input(client, db):
    response = client.post("/newsletter/", {"email": "not-an-email", "source": SEED_URL})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="not-an-email"' in html
    assert Subscriber.objects.count() == 0


def test_offsite_source_is_not_followed(client, db):
    response = client.post("/newsletter/", {"email": "a@example.com", "source": "https://evil.example/"})
    assert response["Location"] == "/newsletter/?subscribed=1"


def test_subscribed_page_says_so(client, demo):
    assert "You’re Subscribed" in client.get(SEED_URL + "?subscribed=1").content.decode()
