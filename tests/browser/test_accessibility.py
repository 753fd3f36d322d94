"""axe-core (npm, injected by Playwright) finds no violations on the public pages at phone and desktop widths."""

import pytest
from django.conf import settings

from tests.browser.axe import axe_path

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/blog/",
    "/blog/can-foot-pain-cause-knee-pain/",
    "/blog/topics/knee-pain/",
    "/authors/kuru-footwear/",
    "/search/?q=knee+pain",
    "/shop/",
    "/shop/men/",
    "/shop/quantum-2-0-womens-sneaker-pewter-night-sky/",
    "/shop/moment-womens-recovery-slide/",
    "/shop/quantum-2-0-womens-sneaker-pewter-night-sky/review/",
    "/go/quantum-2-0-womens-sneaker-pewter-night-sky/?colour=Pewter-Night+Sky&size=5&width=Wide",
    "/newsletter/",
    "/no-such-page/",
]


@pytest.fixture(scope="module")
def axe_source():
    return axe_path()


@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_have_no_axe_violations(browser, live_demo, axe_source, width):
    # axe is injected as an inline script, which the site's CSP rightly refuses: the test tool bypasses it.
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    problems = []
    # A colleague opening a shared preview link sees the article with its banner.
    from articles.models import Article
    from articles.preview import share_url

    shared = share_url(Article.objects.get(slug="can-foot-pain-cause-knee-pain")).removeprefix(settings.SITE_URL)
    for path in [*PAGES, shared]:
        page.goto(live_demo.url + path)
        page.add_script_tag(path=str(axe_source))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        problems += [f"{path} [{v['impact']}] {v['id']}: {v['help']} at {v['nodes']}" for v in violations]
    page.close()
    assert problems == [], "\n".join(problems)


def test_faq_and_forms_work_with_the_keyboard(browser, live_demo):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_demo.url + "/blog/can-foot-pain-cause-knee-pain/")
    summary = page.locator("summary").nth(2)
    summary.focus()
    page.keyboard.press("Space")
    assert page.locator("details").nth(2).get_attribute("open") is not None
    focused_outline = summary.evaluate("el => getComputedStyle(el).outlineStyle")
    assert focused_outline != "none"  # focus is visible
    email = page.locator("#newsletter input[name=email]")
    email.focus()
    page.keyboard.type("keys@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "Subscribe"
    page.close()
