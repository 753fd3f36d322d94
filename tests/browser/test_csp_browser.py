"""The public pages and the admin article form work under the Content-Security-Policy: no violation reported."""

import pytest

from tests.admin_forms import staff_user
from tests.browser.admin_login import submit_login

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    "/blog/can-foot-pain-cause-knee-pain/",
    "/shop/",
    "/shop/quantum-2-0-womens-sneaker-pewter-night-sky/",
    "/shop/moment-womens-recovery-slide/",
    "/newsletter/",
]
# Every violation fires this event on the document, whatever the directive.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched_page(context):
    page = context.new_page()
    page.add_init_script(WATCH)
    console = []
    # A blocked script or style is also a console error; so is a script that then fails (a missing module).
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "Failed to load resource" not in message.text and console.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: console.append(str(error)))
    return page, console


def _violations(page, path, console):
    return [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")] + [f"{path}: {c}" for c in console]


def test_public_pages_report_no_violation(browser, live_demo):
    context = browser.new_context()
    page, console = _watched_page(context)
    problems = []
    for path in PUBLIC_PAGES * 2:  # a miss, then the page-cache hit
        response = page.goto(live_demo.url + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        if page.locator("input[name=email]").count():
            page.locator("input[name=email]").first.focus()  # signup.js fetches a token and a stamp
            page.wait_for_load_state("networkidle")
        problems += _violations(page, path, console)
        console.clear()
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_admin_article_form_reports_no_violation(browser, live_demo, django_user_model):
    staff_user(django_user_model, "edna", "Editors")
    context = browser.new_context()
    page, console = _watched_page(context)
    submit_login(page, live_demo.url, "edna")
    problems = []
    for path in ["/admin/", "/admin/articles/article/add/", "/admin/articles/article/"]:
        page.goto(live_demo.url + path)
        page.wait_for_load_state("networkidle")
        problems += _violations(page, path, console)
        console.clear()
    context.close()
    assert problems == [], "\n".join(problems)
