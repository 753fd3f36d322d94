"""An Editor builds, reorders, previews, schedules and publishes an article in the admin, in a real Chromium."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.admin import editing
from articles.models import Article
from tests.admin_forms import staff_user
from tests.browser.admin_login import submit_login
from tests.factories import image_file, make_author, make_image, make_product

pytestmark = pytest.mark.browser


def type_rich_text(page, textarea_id, text):
    """Type into the ProseMirror editor that replaces the textarea (as a person would)."""
    editor = page.locator(f".prose-editor:has(#{textarea_id}) .ProseMirror")
    editor.click()
    page.keyboard.type(text)


def section_headings(page):
    return page.eval_on_selector_all(".article-section > h2", "els => els.map(e => e.firstChild.textContent.trim())")


def drag(page, source, target):
    """Press on `source`, move over the top of `target` in small steps, release: how a hand drags."""
    source.scroll_into_view_if_needed()
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] / 2, steps=15)
    page.mouse.move(box["x"] + 40, box["y"] + 2, steps=5)
    page.mouse.up()


@pytest.fixture
def editor_session(browser, live_server, transactional_db, page_cache, django_user_model, monkeypatch):
    # These journeys check the form's own "Save" of a new article, whatever a slow machine's pace:
    # no autosave of the add form beats it (test_live_editing_journey.py follows that autosave).
    monkeypatch.setattr(editing, "AUTOSAVE_SECONDS", 3600)
    staff_user(django_user_model, "edna", "Editors")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    submit_login(page, live_server.url, "edna")
    yield page, errors
    page.close()


def test_editor_builds_previews_schedules_and_publishes(editor_session, live_server, tmp_path):
    page, errors = editor_session
    make_author(name="KURU Footwear", slug="kuru")
    make_product(name="ATOM Men's Athletic Sneaker", colorway="Jet Black", rating_count=1379, rating_average="4.60")
    figure = make_image(image_file("knee.jpg", width=1200, height=800), title="Knee in mid-stride")

    # 1. A new article: title, author, meta description, a takeaway, two sections (one with a figure), an FAQ.
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("Walking Away From Knee Pain")
    assert page.input_value("#id_slug") == "walking-away-from-knee-pain"  # prepopulated as staff type
    page.select_option("#id_author", label="KURU Footwear")
    page.locator("summary", has_text="Search engines").click()
    page.fill("#id_meta_description", "How shoes that support your feet take load off your knees.")
    page.click("#takeaways-group .add-row a")
    page.fill("#id_takeaways-0-text", "Supportive shoes lower the load on your knees.")
    page.click("#sections-group .add-row a")
    page.click("#sections-group .add-row a")
    page.fill("#id_sections-0-heading", "Why feet matter")
    type_rich_text(page, "id_sections-0-body_html", "Your feet carry every step.")
    page.locator("#sections-0 summary", has_text="Figure").click()
    page.fill("#id_sections-0-figure_image", str(figure.pk))  # the chooser's number field (its no-JS fallback)
    page.press("#id_sections-0-figure_image", "Tab")
    page.locator("#sections-0 .image-chooser__title", has_text="Knee in mid-stride").wait_for()
    page.fill("#id_sections-0-figure_alt", "A runner's knee and foot in mid-stride")
    page.fill("#id_sections-1-heading", "What to wear")
    type_rich_text(page, "id_sections-1-body_html", "Pick shoes with a deep heel cup.")
    page.click("#faqs-group .add-row a")
    page.fill("#id_faqs-0-question", "Can shoes help knee pain?")
    type_rich_text(page, "id_faqs-0-answer_html", "Yes, by absorbing shock.")

    # 2. A product card after the first (still unsaved) section, picked by typing; the card previews itself.
    page.click("#product_cards-group .add-row a")
    page.select_option("#id_product_cards-0-section", label="New: Why feet matter")
    page.locator("#product_cards-0 .field-product .select2-selection").click()
    page.locator(".select2-search__field").fill("ATOM")
    page.locator(".select2-results__option", has_text="ATOM Men's Athletic Sneaker").click()
    preview = page.locator("#product_cards-0 .card-preview")
    preview.get_by_text("(1,379) Ratings").wait_for()
    page.click("input[name=_continue]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    article = Article.objects.get(slug="walking-away-from-knee-pain")
    assert list(article.sections.values_list("heading", flat=True)) == ["Why feet matter", "What to wear"]
    assert article.status == Article.Status.DRAFT
    assert article.product_cards.get().section.heading == "Why feet matter"
    # Saved now: the card's select names the section itself.
    assert page.locator("#id_product_cards-0-section option:checked").inner_text() == "Why feet matter"

    # 3. Drag "What to wear" above "Why feet matter".
    drag(page, page.locator("#sections-1 h3"), page.locator("#sections-0 h3"))
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    assert list(article.sections.values_list("heading", flat=True)) == ["What to wear", "Why feet matter"]
    assert article.product_cards.get().section.heading == "Why feet matter"

    # 4. Preview: the draft as readers will see it, marked as a preview.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Preview", exact=True).click()
    draft = opened.value
    draft.wait_for_load_state()
    assert "Draft: readers cannot see this page." in draft.locator(".preview-banner").inner_text()
    assert section_headings(draft) == ["What to wear", "Why feet matter"]
    draft.close()

    # 5. Publish, scheduled a minute ahead: not public yet.
    when = timezone.localtime() + timedelta(minutes=1)
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", f"{when:%Y-%m-%d}")
    page.fill("#id_published_at_1", f"{when:%H:%M:%S}")
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    assert "Scheduled: readers see it from" in page.locator(".field-view_on_site_link").inner_text()
    public = live_server.url + article.get_absolute_url()
    reader = page.context.browser.new_page(viewport={"width": 360, "height": 800})
    assert reader.goto(public).status == 404

    # 6. The clock reaches the time (moved, not waited for): the public page shows it, in the new order.
    with time_machine.travel(when + timedelta(seconds=5), tick=True):
        response = reader.goto(public)
        assert response.status == 200
        assert section_headings(reader) == ["What to wear", "Why feet matter"]
        assert reader.locator("figure img").get_attribute("alt") == "A runner's knee and foot in mid-stride"
        card = reader.locator(".product-card").first
        assert "(1,379) Ratings" in card.inner_text()
        # The card follows its section, which now comes second.
        order = reader.eval_on_selector_all(
            ".article-section > h2, .product-card",
            "els => els.map(e => e.matches('h2') ? e.firstChild.textContent.trim() : 'card')",
        )
        assert order == ["What to wear", "Why feet matter", "card"]
        assert reader.locator(".preview-banner").count() == 0
    reader.close()
    assert errors == []


def test_a_card_keeps_following_its_new_section_when_rows_change(editor_session, live_server):
    page, errors = editor_session
    make_author(name="KURU Footwear", slug="kuru")
    make_product(name="ATOM Men's Athletic Sneaker", colorway="Jet Black")
    page.goto(live_server.url + "/admin/articles/article/add/")
    for _ in range(3):
        page.click("#sections-group .add-row a")
    for index, heading in enumerate(["Alpha", "Beta", "Gamma"]):
        page.fill(f"#id_sections-{index}-heading", heading)
    page.click("#product_cards-group .add-row a")
    select = page.locator("#id_product_cards-0-section")
    select.select_option(label="New: Gamma")
    # Removing "Beta" renumbers Gamma's row from sections-2 to sections-1.
    page.locator("#sections-1 .inline-deletelink").click()
    # card_preview.js renames the choices once Django has renumbered the rows (a moment after the click).
    page.wait_for_function("document.getElementById('id_product_cards-0-section').value === 'new:sections-1'")
    assert select.locator("option:checked").inner_text() == "New: Gamma"
    # The form comes back with an error (publishing without a meta description): the choice is still there.
    page.locator("#id_title").press_sequentially("Three sections")
    page.select_option("#id_author", label="KURU Footwear")
    page.select_option("#id_status", "published")
    page.locator("#product_cards-0 .field-product .select2-selection").click()
    page.locator(".select2-search__field").fill("ATOM")
    page.locator(".select2-results__option", has_text="ATOM").click()
    page.click("input[name=_continue]")
    page.locator(".errornote").wait_for()
    # On its field (which opens the collapsed "Search engines" panel), and in the summary at the top.
    assert "Add a meta description" in page.locator(".field-meta_description .errorlist").inner_text()
    assert "Add a meta description" in page.locator(".error-summary").inner_text()
    assert page.locator("#id_product_cards-0-section option:checked").inner_text() == "New: Gamma"
    assert errors == []
