"""The article form's error summary in Chromium: shown first, each link goes to its field."""

import pytest

from tests.admin_forms import staff_user
from tests.browser.test_drafts_journey import axe_violations, log_in, shoot
from tests.factories import make_ready_draft

pytestmark = pytest.mark.browser


def test_the_summary_links_to_a_field_in_a_collapsed_panel(browser, live_server, transactional_db, django_user_model):
    staff_user(django_user_model, "edna", "Editors")
    article = make_ready_draft(meta_description="")
    page, errors = log_in(browser, live_server, "edna")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", "2024-01-01")
    page.fill("#id_published_at_1", "10:00:00")
    page.click("input[name=_continue]")
    summary = page.locator(".error-summary")
    summary.wait_for()  # the form came back with its errors
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    shoot(page, "error-summary")
    assert axe_violations(page, [".error-summary"]) == []
    summary.locator("a[href='#id_meta_description']").click()
    assert page.evaluate("document.activeElement.id") == "id_meta_description"
    assert page.locator("#id_meta_description").is_visible()
    assert errors == []
    page.close()
