"""A Writer edits the live seed article with the live preview beside the form, autosave and the leave guard: in Chromium."""

import time

import pytest
from django.db import OperationalError

from articles.admin import editing
from articles.models import Article, ArticleDraft
from tests.admin_forms import staff_user
from tests.browser.test_drafts_journey import SEED_URL, anonymous, axe_violations, log_in, shoot

pytestmark = pytest.mark.browser


def frame_text(page, selector):
    return page.frame_locator(".live-preview__frame").locator(selector).first.inner_text(timeout=5000)


def draft_title(article):
    """The draft's title, as the server last saved it."""
    draft = ArticleDraft.objects.filter(article=article).first()
    return draft.snapshot["article"]["fields"]["title"] if draft else None


def eventually(check, seconds=5):
    """True once `check()` is, within `seconds` (the server's SQLite writes lock the tables meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OperationalError:
            pass
        time.sleep(0.1)
    return False


def wait_for_draft(article, title):
    return eventually(lambda: draft_title(article) == title)


def test_writer_previews_autosaves_and_comes_back_to_the_draft(browser, live_demo, django_user_model, monkeypatch):
    monkeypatch.setattr(editing, "AUTOSAVE_SECONDS", 2)  # the form says 20; the journey should not wait that long
    staff_user(django_user_model, "walt", "Writers")
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    public_url = live_demo.url + SEED_URL
    live_html, _ = anonymous(public_url)
    change_url = f"{live_demo.url}/admin/articles/article/{article.pk}/change/"

    page, errors = log_in(browser, live_demo, "walt")
    page.wait_for_url("**/admin/")
    page.goto(change_url)
    # The pane shows the article as it is, then follows the typing within a second or two.
    assert frame_text(page, "h1") == article.title
    assert "Unsaved changes, as you type" in frame_text(page, ".preview-banner")
    started = time.monotonic()
    page.fill("#id_title", "Can foot pain cause knee pain? Live")
    page.frame_locator(".live-preview__frame").locator("h1", has_text="? Live").wait_for(timeout=3000)
    assert time.monotonic() - started < 3
    page.click("button[data-width='360']")
    assert page.locator(".live-preview__frame").evaluate("frame => frame.style.width") == "360px"
    assert page.locator("button[data-width='360']").get_attribute("aria-pressed") == "true"
    shoot(page, "live-preview-360-toggle")
    page.click("button[data-width='1280']")
    shoot(page, "live-preview")
    assert axe_violations(page, [".live-preview", "#editing-notice", "#autosave-status"]) == []

    # Autosave keeps the draft; readers still get the live page from the page cache.
    page.locator("#autosave-status", has_text="Autosaved as unpublished changes").wait_for(timeout=6000)
    assert wait_for_draft(article, "Can foot pain cause knee pain? Live")
    assert anonymous(public_url) == (live_html, "hit")

    # Leaving through the breadcrumb with changes not yet autosaved asks first.
    page.fill("#id_title", "Can foot pain cause knee pain? Left")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".breadcrumbs a[href$='/articles/article/']")
    assert page.url == change_url
    page.fill("#id_title", "Can foot pain cause knee pain? Kept")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".breadcrumbs a[href$='/articles/article/']")
    page.wait_for_url("**/admin/articles/article/")
    # The page sent its changes as it went (fetch keepalive on pagehide).
    assert wait_for_draft(article, "Can foot pain cause knee pain? Kept")

    # Coming back: the form holds the autosaved draft; the public page never changed.
    page.goto(change_url)
    assert page.input_value("#id_title") == "Can foot pain cause knee pain? Kept"
    assert "Live + unpublished changes" in page.locator(".draft-panel").inner_text()
    assert anonymous(public_url) == (live_html, "hit")
    assert errors == []
    # Leaving sends a goodbye beacon; the database is flushed after the test only once it is handled.
    page.goto("about:blank")
    page.wait_for_timeout(1000)
    page.close()
