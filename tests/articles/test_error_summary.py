"""Errors that lead to the field: a summary linking each error, collapsed panels opened; times with their zone."""

import os
import re
import subprocess
import sys
from datetime import timedelta

from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from products.models import Product
from tests.admin_forms import form_data, rows
from tests.factories import image_file, make_image, make_ready_draft

CHANGE = "admin:articles_article_change"


def publish_attempt(client, article, **changes):
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(client.get(url))
    data.update({"status": "published", "published_at_0": "2024-01-01", "published_at_1": "10:00:00", **changes})
    return client.post(url, data)


def summary(html):
    """[(href, text)] of the error summary's items."""
    block = html.split('<nav class="error-summary"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<li>(?:<a href="([^"]+)">)?(.*?)</li>', block, re.S)


def test_a_missing_meta_description_is_linked_and_its_panel_opened(editor, db):
    article = make_ready_draft()
    response = publish_attempt(editor, article, meta_description="")
    html = response.content.decode()
    assert response.status_code == 200
    items = summary(html)
    assert items[0][0] == "#id_meta_description"
    assert "Meta description (Search engines section)" in items[0][1] and "Add a meta description" in items[0][1]
    assert 'id="id_meta_description"' in html
    # The "Search engines" panel is collapsed by default; with its error it is rendered open (no <details>).
    search_panel = html.split("Search engines</h2>", 1)[0].rsplit("<fieldset", 1)[1]
    assert "<details>" not in search_panel
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_a_collapsed_panel_without_errors_stays_collapsed(editor, db):
    article = make_ready_draft()
    html = editor.get(reverse(CHANGE, args=[article.pk])).content.decode()
    search_panel = html.split("Search engines</h2>", 1)[0].rsplit("<fieldset", 1)[1]
    assert "<details><summary>" in search_panel and "error-summary" not in html


def test_a_section_rule_goes_on_the_section_field_and_opens_its_figure_panel(editor, db):
    article = make_ready_draft()
    section = article.sections.order_by("sort_order").first()
    section.figure_image = make_image(image_file("knee.jpg"))
    section.figure_alt = "A knee brace on a table."
    section.save()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    first = next(i for i, row in rows(data, "sections").items() if row["heading"] == section.heading)
    data.update({f"sections-{first}-figure_alt": "knee.jpg"})
    data.update({"status": "published", "published_at_0": "2024-01-01", "published_at_1": "10:00:00"})
    html = editor.post(url, data).content.decode()
    assert [href for href, _text in summary(html)] == [f"#id_sections-{first}-figure_alt"]
    row_html = html.split(f'id="sections-{first}"', 1)[1].split('class="inline-related', 1)[0]
    figure_panel = row_html.split(">Figure</h", 1)[0].rsplit("<fieldset", 1)[1]
    assert "<details>" not in figure_panel  # opened
    assert "looks like a file name" in row_html


def test_an_h3_first_is_an_error_on_that_sections_level(editor, db):
    article = make_ready_draft()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    first = min(rows(data, "sections"), key=lambda i: int(rows(data, "sections")[i]["sort_order"]))
    data.update({f"sections-{first}-level": "3"})
    data.update({"status": "published", "published_at_0": "2024-01-01", "published_at_1": "10:00:00"})
    html = editor.post(url, data).content.decode()
    ((href, text),) = summary(html)
    assert href == f"#id_sections-{first}-level" and "Section 1, Level" in text and "before any heading" in text


def test_a_card_of_an_inactive_product_links_to_the_card(editor, db):
    article = make_ready_draft()
    Product.objects.filter(cards__article=article).update(is_active=False)
    html = publish_attempt(editor, article).content.decode()
    items = summary(html)
    assert any(href == "#id_product_cards-0-product" and "no longer active" in text for href, text in items)


def test_times_name_their_zone(editor, db, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    scheduled = make_ready_draft(
        status=Article.Status.PUBLISHED, published_at=timezone.now().replace(month=1, day=15) + timedelta(days=400)
    )
    listing = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Scheduled for" in listing and "CET" in listing
    form = editor.get(reverse(CHANGE, args=[scheduled.pk])).content.decode()
    assert "Times are in Europe/Berlin (C" in form and "readers see it from" in form
    assert re.search(r"readers see it from \d{4}-\d\d-\d\d \d\d:\d\d CES?T", form)


def test_the_time_zone_comes_from_the_environment():
    env = os.environ | {"DJANGO_TIME_ZONE": "Asia/Tokyo", "DJANGO_DEBUG": "1"}
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.TIME_ZONE)",
        ],
        env=env | {"DJANGO_SETTINGS_MODULE": "kuru_site.settings"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "Asia/Tokyo"


def test_a_refused_publish_leaves_the_form_as_a_drafts_form(editor, db):
    # The bound form changes the instance it edits: the page must still treat the article as the draft it is.
    article = make_ready_draft()
    html = publish_attempt(editor, article, meta_description="").content.decode()
    assert 'name="status"' in html and "draft-panel" not in html
