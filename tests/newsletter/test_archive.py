"""The public archive of sent issues: list, issue page and feed, cached, without subscriber data."""

import feedparser
import pytest
from django.utils import timezone

from newsletter.models import Delivery, Issue
from newsletter.sending import deliveries_create, finish_if_done
from tests.factories import make_article, make_issue, make_product, make_subscriber

pytestmark = pytest.mark.django_db


def _sent(issue):
    Issue.objects.filter(pk=issue.pk).update(
        status=Issue.Status.SENT, send_at=timezone.now(), finished_at=timezone.now()
    )
    return issue


@pytest.fixture
def issues():
    article = make_article(title="Knee pain and your feet", excerpt="How they work together.")
    sent = _sent(
        make_issue(subject="December notes", slug="december", articles=[article], products=[make_product(name="ATOM")])
    )
    draft = make_issue(subject="A draft in progress", slug="draft")
    scheduled = make_issue(subject="Scheduled for later", slug="later")
    Issue.objects.filter(pk=scheduled.pk).update(status=Issue.Status.SCHEDULED)
    reader = make_subscriber("private.reader@example.com")
    Delivery.objects.create(issue=sent, subscriber=reader, state=Delivery.State.SENT)
    return sent, draft, scheduled


def test_archive_lists_sent_issues_only(client, issues):
    response = client.get("/newsletter/archive/")
    html = response.content.decode()
    assert response.status_code == 200 and "newsletter/issue_archive.html" in [t.name for t in response.templates]
    assert "December notes" in html and 'href="/newsletter/archive/december/"' in html
    assert "A draft in progress" not in html and "Scheduled for later" not in html
    assert 'href="/newsletter/archive/feed/"' in html


def test_issue_page_shows_the_issue_and_nobody_who_got_it(client, issues):
    response = client.get("/newsletter/archive/december/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "December notes" in html and "Knee pain and your feet" in html and "ATOM" in html
    assert "Hello <strong>reader</strong>." in html
    assert "private.reader@example.com" not in html and "/newsletter/unsubscribe/" not in html
    assert "utm_medium=email" not in html  # a reader of the web page did not come by email
    for slug in ("draft", "later", "nope"):
        assert client.get(f"/newsletter/archive/{slug}/").status_code == 404


def test_feed_lists_sent_issues(client, issues):
    body = client.get("/newsletter/archive/feed/").content
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert [(e.title, e.link) for e in feed.entries] == [
        ("December notes", "http://127.0.0.1:8000/newsletter/archive/december/")
    ]
    assert b"private.reader" not in body


def test_archive_is_cached_and_a_finished_send_shows_at_once(
    client, page_cache, issues, django_capture_on_commit_callbacks
):
    assert client.get("/newsletter/archive/")["X-Page-Cache"] == "miss"
    assert client.get("/newsletter/archive/")["X-Page-Cache"] == "hit"
    _, _, scheduled = issues
    Issue.objects.filter(pk=scheduled.pk).update(send_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_create(scheduled.pk)
        Delivery.objects.filter(issue=scheduled).update(state=Delivery.State.SENT)
        assert finish_if_done(scheduled.pk)
    response = client.get("/newsletter/archive/")
    assert response["X-Page-Cache"] == "miss" and "Scheduled for later" in response.content.decode()
