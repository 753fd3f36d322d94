"""A Writer edits the live seed article with the live preview beside the form, autosave and the leave guard, and
types a new article that autosaves as a draft: in Chromium."""

import re
import time
import urllib.error

import pytest
from django.db import OperationalError

from articles.admin import editing
from articles.models import Article, ArticleDraft
from tests.admin_forms import staff_user
from tests.browser.admin_login import submit_login
from tests.browser.test_drafts_journey import SEED_URL, anonymous, axe_violations, log_in, shoot
from tests.factories import make_article

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
    submit_login(page, live_demo.url, "walt")
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


def test_writer_types_a_new_article_which_autosaves_as_a_draft_and_saves_once(
    browser, live_demo, django_user_model, monkeypatch
):
    monkeypatch.setattr(editing, "AUTOSAVE_SECONDS", 2)
    staff_user(django_user_model, "walt", "Writers")
    before = set(Article.objects.values_list("pk", flat=True))

    def new_articles():
        return Article.objects.exclude(pk__in=before)

    page, errors = log_in(browser, live_demo, "walt")
    page.wait_for_url("**/admin/")
    add_url = f"{live_demo.url}/admin/articles/article/add/"
    page.goto(add_url)
    page.locator("#autosave-status", has_text="the new article is autosaved as a draft").wait_for(timeout=5000)
    page.locator("#live-preview-status", has_text="Preview updated").wait_for(timeout=15000)  # the page settled
    # Leaving before it could be autosaved says what the autosave needs.
    page.fill("#id_excerpt", "Five minutes a day.")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click(".breadcrumbs a[href$='/articles/article/']")
    assert page.url == add_url
    assert "it is autosaved as a draft before you go, if it has a title, slug and author" in questions[0]

    page.fill("#id_title", "Seven stretches for tired feet")
    page.select_option("#id_author", index=1)
    page.click("#takeaways-group .add-row a")
    page.fill("#id_takeaways-0-text", "Stretch before you run.")
    # The first autosave creates the article, a draft, and the page becomes its change form.
    page.locator("#autosave-status", has_text=re.compile("^Autosaved as a draft at")).wait_for(timeout=10000)
    assert eventually(lambda: new_articles().count() == 1)
    article = new_articles().get()
    change_path = f"/admin/articles/article/{article.pk}/change/"
    assert (article.title, article.slug, article.status) == (
        "Seven stretches for tired feet",
        "seven-stretches-for-tired-feet",
        Article.Status.DRAFT,
    )
    assert page.url == live_demo.url + change_path
    assert page.evaluate("document.getElementById('article_form').action") == live_demo.url + change_path
    assert page.title().startswith("Change article") and page.inner_text("#content > h1") == "Change article"
    assert page.inner_text(".breadcrumbs").endswith("Seven stretches for tired feet")
    assert page.input_value("#edit-version") == editing_version(article)
    assert page.input_value("#id_takeaways-0-id") == str(article.takeaways.get().pk)

    # "Save" from the same page saves that article: no second one, no second takeaway.
    page.fill("#id_title", "Seven stretches for tired feet, saved")
    page.fill("#id_takeaways-0-text", "Stretch before and after you run.")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    page.locator(".messagelist", has_text="was changed successfully").wait_for(timeout=10000)
    assert page.url == live_demo.url + change_path
    assert list(new_articles().values_list("title", "status")) == [
        ("Seven stretches for tired feet, saved", Article.Status.DRAFT)
    ]
    assert list(article.takeaways.values_list("text", flat=True)) == ["Stretch before and after you run."]

    # Coming back: the change form holds it all; readers see nothing of it.
    page.reload()
    assert page.input_value("#id_title") == "Seven stretches for tired feet, saved"
    assert page.input_value("#id_excerpt") == "Five minutes a day."
    assert page.input_value("#id_takeaways-0-text") == "Stretch before and after you run."
    assert not Article.objects.published().filter(pk=article.pk).exists()
    try:
        anonymous(f"{live_demo.url}/blog/{article.slug}/")
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 404
    assert errors == []
    leave(page)


def test_a_new_article_is_kept_as_a_draft_when_its_tab_goes_away(browser, live_demo, django_user_model):
    staff_user(django_user_model, "walt", "Writers")
    page, errors = log_in(browser, live_demo, "walt")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_demo.url}/admin/articles/article/add/")
    page.locator("#live-preview-status", has_text="Preview updated").wait_for(timeout=15000)  # the page settled
    page.locator("#id_title").press_sequentially("Typed just before the tab went")  # the slug follows as typed
    page.select_option("#id_author", index=1)
    # Long before the first autosave (20 s): the page sends the form as it goes (fetch keepalive on pagehide).
    # The browser asks first (beforeunload); the writer leaves anyway.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.goto("about:blank")
    assert dialogs == ["beforeunload"]
    assert eventually(lambda: Article.objects.filter(title="Typed just before the tab went").exists())
    article = Article.objects.get(title="Typed just before the tab went")
    assert (article.slug, article.status) == ("typed-just-before-the-tab-went", Article.Status.DRAFT)
    assert errors == []
    page.close()


def test_a_new_row_autosaved_then_removed_is_deleted_by_the_next_autosave(
    browser, live_demo, django_user_model, monkeypatch
):
    monkeypatch.setattr(editing, "AUTOSAVE_SECONDS", 2)
    staff_user(django_user_model, "walt", "Writers")
    article = make_article(status=Article.Status.DRAFT, published_at=None, takeaways=1)
    kept = article.takeaways.get()
    page, errors = log_in(browser, live_demo, "walt")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/change/")
    page.locator("#live-preview-status", has_text="Preview updated").wait_for(timeout=15000)  # the page settled
    page.click("#takeaways-group .add-row a")
    page.fill("#id_takeaways-1-text", "A second thought.")
    # Autosaved: the new row is stored and the page holds its id.
    assert eventually(lambda: article.takeaways.count() == 2, seconds=10)
    page.wait_for_function("document.getElementById('id_takeaways-1-id').value !== ''")
    added = article.takeaways.exclude(pk=kept.pk).get()
    assert page.input_value("#id_takeaways-1-id") == str(added.pk)
    # Removed from the page with the row's ×: the next autosave deletes it, the other row stays.
    page.click("#takeaways-1 .inline-deletelink")
    assert page.locator("input[name='takeaways-REMOVED']").input_value() == str(added.pk)
    assert eventually(lambda: list(article.takeaways.values_list("pk", flat=True)) == [kept.pk], seconds=10)
    # And a save from the page keeps it that way (no copy comes back).
    page.click("input[name=_continue]")
    page.locator(".messagelist", has_text="was changed successfully").wait_for(timeout=10000)
    assert list(article.takeaways.values_list("pk", flat=True)) == [kept.pk]
    assert errors == []
    leave(page)


def editing_version(article):
    from articles.editing import edit_version

    return edit_version(article.pk)
