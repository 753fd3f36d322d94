"""An Editor compares a live article's draft with the live version, and reads the dashboard: in Chromium, with axe-core."""

import pytest

from articles.models import Article, ArticleDraft
from tests.admin_forms import staff_user
from tests.browser.test_drafts_journey import axe_violations, log_in, shoot

pytestmark = pytest.mark.browser


def test_an_editor_compares_the_draft_with_live_and_reads_the_dashboard(browser, live_demo, django_user_model):
    staff_user(django_user_model, "edna", "Editors")
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    page, errors = log_in(browser, live_demo, "edna")

    # The dashboard: the Editor's blocks, every block a list of links.
    page.goto(live_demo.url + "/admin/")
    dashboard = page.locator(".editor-dashboard")
    assert "Recently published" in dashboard.inner_text() and article.title in dashboard.inner_text()
    assert axe_violations(page, ["#content-main"]) == []
    shoot(page, "dashboard")

    # A change to the live article: a title and the first section's heading.
    page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_title", "Knee pain & <feet>: the updated guide")
    page.fill("#id_sections-0-heading", "Where knee pain starts")
    page.click("input[name=_continue]")
    assert ArticleDraft.objects.filter(article=article).exists()

    page.click("text=Compare with live")
    page.wait_for_selector(".article-compare__summary")
    assert page.url.endswith(f"/admin/articles/article/{article.pk}/compare/?old=current&new=draft")
    text = page.locator("#content-main").inner_text()
    assert "Before: Live version (now)" in text and "Sections: 1 changed" in text
    assert page.locator("ins", has_text="<feet>").count() == 1  # typed markup is shown as text
    assert page.locator(".compare-row--changed h3").first.inner_text().startswith("“Where knee pain starts”")
    assert axe_violations(page, ["#content-main"]) == []
    shoot(page, "compare-side")

    page.check("#id_layout_1")
    page.click("#content-main button[type=submit]")
    page.wait_for_selector(".compare-fields--inline")
    assert axe_violations(page, ["#content-main"]) == []
    shoot(page, "compare-inline")

    # The history: the import's revision, and the unpublished changes to compare it with.
    page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/history/")
    assert "Imported from" in page.locator("#change-history").inner_text()
    assert page.locator("input[name=new][value=draft]").is_checked()
    assert axe_violations(page, ["#content-main"]) == []
    shoot(page, "history")
    page.click("text=Compare the chosen versions")
    page.wait_for_selector(".article-compare__summary")
    assert "Sections: 1 changed" in page.locator("#content-main").inner_text()

    # Discarding asks first; "No" keeps the changes.
    page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/change/")
    page.click("text=Discard the changes…")
    assert "This cannot be undone" in page.locator("#content-main").inner_text()
    shoot(page, "discard-confirmation")
    page.click("text=No, keep them")
    assert ArticleDraft.objects.filter(article=article).exists()
    assert errors == []
    page.close()


def test_an_editor_compares_two_revisions_on_different_pages_of_the_history(browser, live_demo, django_user_model):
    from tests.articles.test_compare import revisions

    staff_user(django_user_model, "edna", "Editors")
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    versions = revisions(article, 60)
    page, errors = log_in(browser, live_demo, "edna")
    page.goto(f"{live_demo.url}/admin/articles/article/{article.pk}/history/?p=2")
    assert page.locator("input[name=old]").count() == 11  # the import's revision and ten of the sixty
    page.check(f"input[name=old][value='{versions[4].pk}']")
    assert axe_violations(page, ["#content-main"]) == []
    page.locator(".history-compare__pages").scroll_into_view_if_needed()
    shoot(page, "history-page-2")

    page.click(".history-compare__pages button[value='1']")
    page.wait_for_selector(".history-compare__elsewhere")
    assert f"old={versions[4].pk}&p=1" in page.url
    assert page.locator(f".history-compare__elsewhere input[value='{versions[4].pk}']").is_checked()
    page.check(f"input[name=new][value='{versions[57].pk}']")
    assert axe_violations(page, ["#content-main"]) == []
    shoot(page, "history-page-1")
    page.click("text=Compare the chosen versions")
    page.wait_for_selector(".article-compare__summary")
    assert page.locator("del", has_text="3").count() and page.locator("ins", has_text="56").count()
    assert errors == []
    page.close()
