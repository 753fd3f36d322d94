"""A Writer edits the live seed article with the live preview beside the form, autosave and the leave guard: in Chromium."""

import time

import pytest
from django.db import OperationalError

from articles.admin import editing
from articles.models import Article, ArticleDraft
from tests.admin_forms import staff_user
from tests.browser.test_drafts_journey import SEED_URL, anonymous, axe_violations, log_in, shoot

pytestmark = pytest.mark.browser


def frame_text(page, selector, timeout=5000):
    return page.frame_locator(".live-preview__frame").locator(selector).first.inner_text(timeout=timeout)


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


def leave(page):
    """Close the change form without its goodbye beacon, which could reach the server while the database
    is flushed after the test (tests/articles/test_live_editing.py checks the goodbye)."""
    page.evaluate("document.getElementById('article_form').dispatchEvent(new Event('submit'))")  # no more requests
    page.wait_for_function("() => !document.getElementById('live-preview-status').textContent.startsWith('Updating')")
    page.goto("about:blank")
    page.close()


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
    assert frame_text(page, "h1", timeout=15000) == article.title
    assert "Unsaved changes, as you type" in frame_text(page, ".preview-banner")
    # Form and pane side by side fit the window: wide inlines (the cards) scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    started = time.monotonic()
    page.fill("#id_title", "Can foot pain cause knee pain? Live")
    page.frame_locator(".live-preview__frame").locator("h1", has_text="? Live").wait_for(timeout=5000)
    # About a second on an idle machine (0.7 s of throttling, then the request); a busy CI gets slack.
    assert time.monotonic() - started < 5
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
    leave(page)


def test_the_preview_works_under_the_content_security_policy(browser, live_demo, django_user_model):
    from tests.browser.test_csp_browser import _violations, _watched_page

    staff_user(django_user_model, "walt", "Writers")
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    context = browser.new_context()  # no bypass: the admin's real policy applies, and the frame inherits it
    page, console = _watched_page(context)
    page.goto(live_demo.url + "/admin/login/")
    page.fill("#id_username", "walt")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    response = page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/change/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    preview = page.frame_locator(".live-preview__frame")
    assert preview.locator("h1").inner_text(timeout=15000) == article.title
    # The public stylesheet applied inside the frame: the banner is sticky, as site.css says.
    assert preview.locator(".preview-banner").first.evaluate("banner => getComputedStyle(banner).position") == "sticky"
    frame = page.frames[1]
    problems = _violations(page, "change form", console) + [
        f"frame: {v}" for v in frame.evaluate("window.__cspViolations || []")
    ]
    leave(page)
    context.close()
    assert problems == [], "\n".join(problems)
