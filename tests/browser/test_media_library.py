"""An Editor uploads an image in the chooser, sets its focal point, and uses it as a hero and a figure with
different alt texts, in a real Chromium; the chooser and the Image form pass axe-core."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.models import Article
from core.models import Image
from tests.admin_forms import staff_user
from tests.browser.admin_login import submit_login
from tests.browser.axe import axe_path
from tests.factories import image_file, make_article, make_image

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/kuru-screenshots"))


def red_dot_picture(path):
    """2400×1000, grey, a red dot at 85% across and 40% down: a centre crop to 1200×630 misses it."""
    img = PILImage.new("RGB", (2400, 1000), (150, 150, 150))
    ImageDraw.Draw(img).ellipse((2040 - 40, 400 - 40, 2040 + 40, 400 + 40), fill=(255, 0, 0))
    img.save(path, format="JPEG", quality=95)


def axe_violations(page, *frames, context="document"):
    """axe-core's violations on a page or frame (or in the part `context` selects), and in `frames` of it
    (axe must run in each frame)."""
    for frame in (page, *frames):
        frame.add_script_tag(path=str(axe_path()))
    return page.evaluate(
        f"async () => (await axe.run({context}, {{resultTypes: ['violations']}})).violations"
        ".map(v => `[${v.impact}] ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' '))}`)"
    )


@pytest.fixture
def editor_page(browser, live_server, transactional_db, django_user_model):
    axe_path()  # fails or skips now, before the journey, when axe-core is not installed
    staff_user(django_user_model, "edna", "Editors")
    # bypass_csp: axe is injected as an inline script, which the admin's CSP rightly refuses.
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    submit_login(page, live_server.url, "edna")
    yield page, errors
    context.close()


def choose_in_dialog(page, link):
    """Open the chooser of `link` on the page; return the frame showing the library in its dialog."""
    page.click(link)
    page.locator(".image-chooser-dialog[open]").wait_for()
    frame = page.locator(".image-chooser-dialog__frame").element_handle().content_frame()
    frame.wait_for_selector("#changelist, #image_form")
    return frame


def dialog_closed(page):
    page.locator(".image-chooser-dialog").wait_for(state="hidden")


def test_upload_in_the_chooser_set_the_focal_point_and_use_it_twice(editor_page, live_server, tmp_path):
    page, errors = editor_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    hero_article = make_article(title="Trail running in spring", status=Article.Status.DRAFT, published_at=None)
    figure_article = make_article(
        title="Knees on the trail", sections=1, status=Article.Status.DRAFT, published_at=None
    )
    picture = tmp_path / "red-ball.jpg"
    red_dot_picture(picture)

    # 1. The hero's chooser: upload a new image from within it.
    page.goto(f"{live_server.url}/admin/articles/article/{hero_article.pk}/change/")
    chooser = choose_in_dialog(page, "#lookup_id_hero_image")
    chooser.click("text=Add image")
    chooser.wait_for_selector("#image_form")
    chooser.set_input_files("#id_file", str(picture))
    chooser.fill("#id_alt", "A red ball on a grey floor.")
    chooser.click("input[name=_save]")
    dialog_closed(page)
    image = Image.objects.get()
    assert page.evaluate("document.activeElement.id") == "lookup_id_hero_image"
    assert page.input_value("#id_hero_image") == str(image.pk)
    page.locator(".field-hero_image .image-chooser__title", has_text="red ball").wait_for()
    page.fill("#id_hero_alt", "A red ball resting at the edge of the picture.")
    page.click("input[name=_continue]")
    page.locator(".messagelist").wait_for()
    hero_article.refresh_from_db()
    assert hero_article.hero_image == image

    # 2. The focal point: click the ball, then nudge it with the keyboard.
    page.goto(f"{live_server.url}/admin/core/image/{image.pk}/change/")
    picker = page.locator(".focal-picker img")
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.85, "y": box["height"] * 0.40})
    marker = page.locator(".focal-picker__marker").bounding_box()
    # The marker sits where the click was (on the ball), not merely at the same percentages of something else.
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] * 0.85)) < 3
    assert abs(marker["y"] + marker["height"] / 2 - (box["y"] + box["height"] * 0.40)) < 3
    page.keyboard.press("ArrowDown")
    assert abs(float(page.input_value("#id_focal_x")) - 0.85) <= 0.011
    assert abs(float(page.input_value("#id_focal_y")) - 0.41) <= 0.011
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=str(SHOTS / f"image-admin-{width}.png"), full_page=True)
    assert axe_violations(page) == []
    page.click("input[name=_save]")
    page.locator(".messagelist").wait_for()
    image.refresh_from_db()
    assert (round(image.focal_x, 2), round(image.focal_y, 2)) in {(0.85, 0.41), (0.85, 0.40), (0.84, 0.41)}

    # 3. The figure's chooser: find the image by its alt text and pick it; another alt text here.
    page.goto(f"{live_server.url}/admin/articles/article/{figure_article.pk}/change/")
    page.locator("#sections-0 summary", has_text="Figure").click()
    chooser = choose_in_dialog(page, "#lookup_id_sections-0-figure_image")
    chooser.fill("#searchbar", "grey floor")
    with chooser.expect_navigation():
        chooser.press("#searchbar", "Enter")
    chooser.wait_for_selector("#result_list")
    page.screenshot(path=str(SHOTS / "chooser-dialog-1280.png"))
    assert axe_violations(chooser) == []
    chooser.locator("#result_list a[data-popup-opener]").first.click()
    dialog_closed(page)
    assert page.evaluate("document.activeElement.id") == "lookup_id_sections-0-figure_image"
    assert page.input_value("#id_sections-0-figure_image") == str(image.pk)
    page.locator("#sections-0 .image-chooser__title", has_text="red ball").wait_for()
    page.screenshot(path=str(SHOTS / "chooser-widget-1280.png"))
    page.fill("#id_sections-0-figure_alt", "The red ball the knee doctor kicked.")
    page.click("input[name=_continue]")
    page.locator(".messagelist").wait_for()

    # 4. Both pages, once published: one image, two alt texts; the social crop keeps the ball.
    Article.objects.filter(pk__in=[hero_article.pk, figure_article.pk]).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(minutes=1)
    )
    page.goto(live_server.url + hero_article.get_absolute_url())
    assert page.locator(".article__hero").get_attribute("alt") == "A red ball resting at the edge of the picture."
    page.goto(live_server.url + figure_article.get_absolute_url())
    assert page.locator("figure img").get_attribute("alt") == "The red ball the knee doctor kicked."
    hero_article.refresh_from_db()
    with default_storage.open(hero_article.social_image.name) as file:
        social = PILImage.open(io.BytesIO(file.read())).convert("RGB")
    assert social.size == (1200, 630)
    pixels = [social.getpixel((x, y)) for x in range(0, 1200, 4) for y in range(0, 630, 4)]
    red = sum(1 for r, g, _b in pixels if r > 200 and g < 90)
    assert red > 50  # the ball is in the crop
    assert errors == []


LONG_TITLE = "Trail runner crossing a scree field above the tree line at dawn in the Dolomites, side view"


def library(count=3):
    images = [
        make_image(image_file(width=900, height=600, color=(20, 90, 60)), alt="A runner on scree.", title=LONG_TITLE)
    ]
    for n in range(1, count):
        images.append(make_image(image_file(width=400, height=300, color=(n * 40, 30, 30)), alt=f"Sneaker {n}, side."))
    return images


def frame_fits(frame):
    """True when the chooser's page in the frame has no sideways scroll, its list included."""
    return frame.evaluate(
        """() => document.documentElement.scrollWidth <= innerWidth
        && document.querySelector('#changelist-form .results').scrollWidth
           <= document.querySelector('#changelist-form .results').clientWidth"""
    )


def test_the_chooser_is_a_modal_dialog_that_gives_focus_back(editor_page, live_server):
    page, errors = editor_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    images = library()
    article = make_article(title="Scree shoes", status=Article.Status.DRAFT, published_at=None)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")

    # Opened from the keyboard; a modal dialog named by its heading, the search box focused in it.
    page.focus("#lookup_id_hero_image")
    page.keyboard.press("Enter")
    page.locator(".image-chooser-dialog[open]").wait_for()
    dialog = page.locator(".image-chooser-dialog")
    assert dialog.evaluate("d => d.matches(':modal')")
    assert dialog.evaluate("d => document.getElementById(d.getAttribute('aria-labelledby')).textContent") == (
        "Choose an image"
    )
    chooser = dialog.locator("iframe").element_handle().content_frame()
    chooser.wait_for_selector("#searchbar:focus")
    # Tab never reaches the page behind (inert): past the library's last link it goes to the browser's own
    # controls (the body is active), then back to the dialog's Close button.
    focused = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "(el => el === document.body ? 'browser' : el.closest('dialog') ? el.className : el.outerHTML)"
                "(document.activeElement)"
            )
        )
    assert set(focused) <= {"image-chooser-dialog__frame", "browser", "button image-chooser-dialog__close"}, focused
    assert "button image-chooser-dialog__close" in focused
    # Escape inside the library's page closes it; focus is back on the link.
    chooser.focus("#searchbar")
    page.keyboard.press("Escape")
    dialog_closed(page)
    assert page.evaluate("document.activeElement.id") == "lookup_id_hero_image"
    # Escape on the dialog's own Close button too.
    choose_in_dialog(page, "#lookup_id_hero_image")
    page.focus(".image-chooser-dialog__close")
    page.keyboard.press("Escape")
    dialog_closed(page)
    assert page.evaluate("document.activeElement.id") == "lookup_id_hero_image"

    # On a phone: the list fits the dialog without a sideways scroll; axe-core finds nothing, in the frame too.
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        chooser = choose_in_dialog(page, "#lookup_id_hero_image")
        assert frame_fits(chooser)
        page.wait_for_timeout(100)
        page.screenshot(path=str(SHOTS / f"chooser-dialog-{width}.png"))
        # The dialog and the library's page in it (the change form behind is another test's).
        assert axe_violations(page, chooser, context="document.querySelector('.image-chooser-dialog')") == []
        if width == 360:
            page.keyboard.press("Escape")
            dialog_closed(page)
    # Picked from the keyboard.
    chooser.focus(f"#result_list a[data-popup-opener='{images[0].pk}']")
    page.keyboard.press("Enter")
    dialog_closed(page)
    assert page.input_value("#id_hero_image") == str(images[0].pk)
    page.locator(".field-hero_image .image-chooser__title", has_text="Trail runner").wait_for()
    assert page.evaluate("document.activeElement.id") == "lookup_id_hero_image"
    assert errors == []


def test_the_chooser_dialog_works_under_the_admin_csp(browser, live_server, transactional_db, django_user_model):
    staff_user(django_user_model, "edna", "Editors")
    images = library(2)
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    context = browser.new_context()  # the real policy: the frame must be allowed by frame-ancestors
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    submit_login(page, live_server.url, "edna")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    chooser = choose_in_dialog(page, "#lookup_id_hero_image")
    chooser.wait_for_selector("#searchbar:focus")  # the library's own scripts ran in the frame
    # Read before the pick: closing the dialog empties the frame.
    assert chooser.evaluate("window.__csp") == []
    chooser.locator(f"#result_list a[data-popup-opener='{images[1].pk}']").click()
    dialog_closed(page)
    assert page.input_value("#id_hero_image") == str(images[1].pk)
    assert page.evaluate("window.__csp") == []
    assert errors == []
    context.close()


def test_without_javascript_the_chooser_link_opens_the_library(
    browser, live_server, transactional_db, django_user_model
):
    staff_user(django_user_model, "edna", "Editors")
    library(2)
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    submit_login(page, live_server.url, "edna")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert page.locator("#id_hero_image").is_editable()  # the library number, typed
    page.click("#lookup_id_hero_image")
    page.wait_for_url("**/admin/core/image/**")
    assert page.locator("#result_list .image-list__title", has_text="Trail runner").count() == 1
    context.close()


def test_the_image_list_shows_each_title_beside_its_thumbnail(editor_page, live_server):
    page, errors = editor_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    library()
    page.goto(f"{live_server.url}/admin/core/image/")
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        row = page.locator("#result_list tbody tr", has_text="Trail runner")
        thumb = row.locator(".image-thumb").bounding_box()
        title = row.locator(".image-list__title").bounding_box()
        assert title["x"] >= thumb["x"] + thumb["width"], width  # beside, not under
        assert title["y"] < thumb["y"] + thumb["height"] and title["y"] + title["height"] > thumb["y"], width
        assert title["height"] <= thumb["height"] + 1, width  # a long title is cut beside it
        assert page.evaluate(
            "() => { const r = document.querySelector('#changelist-form .results');"
            " return r.scrollWidth <= r.clientWidth && document.documentElement.scrollWidth <= innerWidth; }"
        ), width
        page.screenshot(path=str(SHOTS / f"image-list-{width}.png"))
    assert errors == []
