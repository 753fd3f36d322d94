"""A Writer edits the live seed article and submits it for review; an Editor compares it with live and asks for
changes; the Writer fixes and resubmits; the Editor publishes. Readers see the live page until then: in Chromium.
(The live preview, leaving and coming back to the autosaved draft: test_live_editing_journey.py.)"""

import os
import urllib.request
from pathlib import Path

import pytest

from articles.models import Article, ArticleDraft
from tests.admin_forms import staff_user
from tests.browser.admin_login import submit_login
from tests.browser.axe import axe_path

pytestmark = pytest.mark.browser

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"
# Set SCREENSHOT_DIR to keep 360 px and 1280 px pictures of the screens this journey visits.
SHOTS = os.environ.get("SCREENSHOT_DIR")


def anonymous(url):
    """The page as a reader's first visit gets it (no cookies), with how the page cache answered."""
    with urllib.request.urlopen(url) as response:
        return response.read().decode(), response.headers.get("X-Page-Cache")


def shoot(page, name):
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=False)
    page.set_viewport_size(size)


def axe_violations(page, selectors):
    """axe-core's violations inside `selectors` (the screens' new parts; the Django admin around them is not ours)."""
    page.add_script_tag(path=str(axe_path()))
    return page.evaluate(
        "async (selectors) => (await axe.run({include: selectors.map(s => [s])}, {resultTypes: ['violations']}))"
        ".violations.map(v => `${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).slice(0, 3)}`)",
        selectors,
    )


def log_in(browser, live_server, username):
    # bypass_csp: axe is injected as an inline script, which the admin's CSP rightly refuses.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    submit_login(page, live_server.url, username)
    return page, errors


def test_writer_drafts_a_live_article_and_an_editor_publishes_it(browser, live_demo, django_user_model):
    staff_user(django_user_model, "walt", "Writers")
    staff_user(django_user_model, "edna", "Editors")
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    public_url = live_demo.url + SEED_URL
    live_html, _ = anonymous(public_url)
    assert anonymous(public_url)[1] == "hit"

    # The Writer changes the excerpt and the title of the live article and saves.
    page, errors = log_in(browser, live_demo, "walt")
    change_url = f"{live_demo.url}/admin/articles/article/{article.pk}/change/"
    page.goto(change_url)
    assert "Saving keeps your edits as unpublished changes" in page.locator(".draft-panel").inner_text()
    shoot(page, "live-article-form")
    page.fill("#id_title", "Can foot pain cause knee pain? (updated)")
    page.click("input[name=_continue]")
    assert "Saved as unpublished changes" in page.locator(".messagelist").inner_text()
    assert page.input_value("#id_title") == "Can foot pain cause knee pain? (updated)"
    panel = page.locator(".draft-panel").inner_text()
    assert "Live + unpublished changes" in panel and "Publish the changes now" not in panel
    shoot(page, "draft-panel-writer")
    page.fill("#review-text", "Sharper title, please check.")
    page.click("button[value=submit]")
    assert "Submitted for review" in page.locator(".messagelist").inner_text()
    assert "Sharper title, please check." in page.locator(".review-panel").inner_text()
    shoot(page, "review-panel-writer")

    # Readers: the same page, from the page cache, and nothing new anywhere.
    html, cache_state = anonymous(public_url)
    assert (html, cache_state) == (live_html, "hit")
    assert "(updated)" not in anonymous(live_demo.url + "/blog/feed/")[0]

    # The Editor sees the status in the list, previews, and publishes.
    page.close()
    page, editor_errors = log_in(browser, live_demo, "edna")
    page.goto(live_demo.url + "/admin/")
    page.click("text=Review queue")
    assert "Live + changes in review" in page.locator("#result_list").inner_text()
    shoot(page, "article-list")
    page.goto(f"{live_demo.url}/blog/preview/{article.pk}/")
    assert "(updated)" in page.locator("h1").inner_text()
    page.goto(change_url)
    shoot(page, "draft-panel-editor")
    assert axe_violations(page, [".draft-panel", ".review-panel"]) == []
    # The diff of the changes against what readers see, then changes asked for.
    page.click("text=Compare with live")
    compared = page.locator("main, #content").first.inner_text()
    assert "Can Foot Pain Cause Knee Pain?" in compared and "(updated)" in compared
    page.goto(change_url)
    page.fill("#review-text", "Say what helps in the title.")
    page.click("button[value=request_changes]")
    assert "Say what helps in the title." in page.locator(".review-panel").inner_text()
    page.close()

    # The Writer reads the comment, fixes the title and resubmits; readers still see the live page.
    page, writer_errors = log_in(browser, live_demo, "walt")
    page.goto(change_url)
    assert "Say what helps in the title." in page.locator(".review-panel").inner_text()
    page.fill("#id_title", "Can foot pain cause knee pain? What helps (updated)")
    page.click("input[name=_continue]")
    assert "Saved as unpublished changes" in page.locator(".messagelist").inner_text()
    page.fill("#review-text", "Fixed, thanks.")
    page.click("button[value=submit]")
    assert "Submitted for review" in page.locator(".messagelist").inner_text()
    assert anonymous(public_url) == (live_html, "hit")
    page.close()

    # The Editor approves and publishes.
    page, approver_errors = log_in(browser, live_demo, "edna")
    page.goto(change_url)
    page.fill("#review-text", "Good change.")
    page.click("button[value=approve]")
    assert "Approved and published" in page.locator(".messagelist").inner_text()
    assert not ArticleDraft.objects.exists()

    # The public page shows the change at once: the page cache served nothing stale at any point.
    html, cache_state = anonymous(public_url)
    assert "What helps (updated)" in html and cache_state == "miss"
    assert errors == [] and editor_errors == [] and writer_errors == [] and approver_errors == []
    page.close()
