"""The editorial workflow in the admin: roles, publishing checks, preview links, revisions, rich text."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from reversion.models import Version

from articles import preview, publishing
from articles.admin import ArticleAdmin
from articles.models import Article, ProductCard, Section, Topic
from core import richtext
from core.models import Image
from products.models import Product
from tests.admin_forms import form_data, rows, staff_user
from tests.factories import (
    make_article,
    make_author,
    make_image,
    make_product,
    make_ready_draft,
)

CHANGE = "admin:articles_article_change"


def changelist():
    return reverse("admin:articles_article_changelist")


def edit(client, article, **changes):
    """GET the change form, apply `changes` to the posted fields, POST it back."""
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


# Roles


def test_groups_come_from_a_migration(db):
    writers, editors = Group.objects.get(name="Writers"), Group.objects.get(name="Editors")
    writer_perms = set(writers.permissions.values_list("codename", flat=True))
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "change_section", "view_product"} <= writer_perms
    assert "publish_article" not in writer_perms
    assert "publish_article" in editor_perms and writer_perms < editor_perms


def test_writer_adds_a_topic_but_cannot_rename_or_delete_one(writer, db):
    # The article form offers the "+" beside Topics to a writer.
    assert 'id="add_id_topics"' in writer.get(reverse("admin:articles_article_add")).content.decode()
    response = writer.post(reverse("admin:articles_topic_add"), {"name": "Heel pain", "slug": "heel-pain"})
    assert response.status_code == 302
    topic = Topic.objects.get(slug="heel-pain")
    change = reverse("admin:articles_topic_change", args=[topic.pk])
    assert writer.post(change, {"name": "Renamed", "slug": "renamed"}).status_code == 403
    assert writer.post(reverse("admin:articles_topic_delete", args=[topic.pk]), {"post": "yes"}).status_code == 403
    assert Topic.objects.get(pk=topic.pk).name == "Heel pain"


@pytest.mark.django_db(transaction=True)
def test_the_topic_permission_migration_reverses_and_applies_again(django_user_model):
    staff_user(django_user_model, "wanda", "Writers")  # after a flush: the groups as the migrations make them

    def codenames(group):
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    assert {"add_topic", "view_topic"} <= codenames("Writers") and "change_topic" not in codenames("Writers")
    call_command("migrate", "articles", "0011", verbosity=0)
    assert "add_topic" not in codenames("Writers") and "view_topic" in codenames("Writers")
    assert "add_topic" in codenames("Editors")  # Editors had it already and keep it
    call_command("migrate", "articles", verbosity=0)
    assert "add_topic" in codenames("Writers")


def test_writer_creates_a_draft_even_when_the_post_says_published(writer, db):
    author = make_author()
    form_page = writer.get(reverse("admin:articles_article_add")).content.decode()
    assert "an Editor checks and publishes them" in form_page and 'name="status"' not in form_page
    data = {
        "title": "Writer's piece",
        "slug": "writers-piece",
        "author": author.pk,
        "excerpt": "",
        "intro_html": "",
        "hero_alt": "",
        "seo_title": "",
        "meta_description": "Fine.",
        # Crafted: the form does not offer these to Writers.
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00:00",
    }
    for prefix in ("takeaways", "sections", "product_cards", "faqs"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = writer.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get(slug="writers-piece")
    assert article.status == Article.Status.DRAFT and article.published_at is None
    assert not Article.objects.published().exists()


def test_writer_cannot_publish_their_draft_through_the_form(writer, db):
    article = make_ready_draft()
    response = edit(writer, article, status="published", published_at_0="2024-01-01", published_at_1="10:00:00")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_writer_has_no_publish_action_and_a_crafted_action_post_does_nothing(writer, db):
    article = make_ready_draft()
    page = writer.get(changelist()).content.decode()
    assert "publish_now" not in page
    writer.post(changelist(), {"action": "publish_now", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_writer_cannot_change_scheduled_or_delete_published_work(writer, db):
    # A live article a Writer may edit: the edit is kept as its draft (tests/articles/test_drafts.py).
    scheduled = make_article(sections=1, published_at=timezone.now() + timedelta(days=1))
    url = reverse(CHANGE, args=[scheduled.pk])
    page = writer.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]  # a read-only view
    assert writer.post(url, {"title": "Hijacked"}).status_code == 403
    article = make_article(sections=1)
    assert writer.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}).status_code == 403
    writer.post(changelist(), {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"})
    assert Article.objects.filter(pk=article.pk, title=article.title).exists()
    assert Article.objects.filter(pk=scheduled.pk, title=scheduled.title).exists()


def test_writer_may_delete_their_own_draft(writer, db):
    draft = make_ready_draft()
    response = writer.post(reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Article.objects.filter(pk=draft.pk).exists()


def test_writer_cannot_restore_a_revision(editor, django_user_model, db):
    article = make_ready_draft()
    edit(editor, article, title="Edited by the editor")
    version = Version.objects.get_for_object(article).last()
    url = reverse("admin:articles_article_revision", args=[article.pk, version.pk])
    editor.force_login(staff_user(django_user_model, "wally", "Writers"))
    assert editor.get(url).status_code == 403
    assert editor.post(url, {}).status_code == 403


# Publishing checks


def test_editor_publishes_a_ready_draft_with_no_warnings(editor, db):
    article = make_ready_draft()
    response = edit(editor, article, status="published", published_at_0="2024-01-01", published_at_1="10:00:00")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert not [m for m in messages if m.startswith("Warning")]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"meta_description": ""}, "Add a meta description"),
        ({"title": " "}, "This field is required"),
    ],
)
def test_publishing_refused_for_article_fields(editor, db, change, message):
    article = make_ready_draft()
    response = edit(editor, article, status="published", **change)
    assert response.status_code == 200 and message in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_publishing_refused_when_an_h3_comes_first(editor, db):
    article = make_ready_draft()
    first = article.sections.first()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    index = next(i for i, row in rows(data, "sections").items() if str(row["id"]) == str(first.pk))
    data[f"sections-{index}-level"] = "3"
    data["status"] = "published"
    response = editor.post(url, data)
    assert response.status_code == 200
    assert f"Section 1 “{first.heading}” is a subheading (h3) before any heading (h2)" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_publishing_refused_for_a_card_of_an_inactive_product(editor, db):
    article = make_ready_draft()
    card = article.product_cards.get()
    card.product.is_active = False
    card.product.save()
    response = edit(editor, article, status="published")
    assert response.status_code == 200
    assert (
        escape(f"The card for “{card.product}” points at a product that is no longer active")
        in response.content.decode()
    )


def test_publishing_refused_for_a_figure_alt_that_is_a_file_name(editor, db):
    article = make_ready_draft()
    section = article.sections.first()
    section.figure_image = make_image()
    section.figure_alt = "IMG_2041.jpg"
    section.save()
    response = edit(editor, article, status="published")
    # The field's own rule (images.alt_text_problem) speaks first; publishing applies the same rule.
    assert "“IMG_2041.jpg” looks like a file name" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_publishing_rules_refuse_a_figure_alt_that_is_a_file_name():
    section = Section(
        heading="Knee",
        level=2,
        figure_image=Image(file="articles/figures/abc.jpg", file_width=8, file_height=6),
        figure_alt="IMG_2041.jpg",
    )
    assert publishing.section_errors([section]) == [
        "Section 1 “Knee”: describe its figure in the alt text (what it shows, not a file name)."
    ]
    section.figure_alt = "A runner's knee in mid-stride"
    assert publishing.section_errors([section]) == []


def test_warnings_are_shown_and_do_not_block(editor, db):
    article = make_article(sections=1, status=Article.Status.DRAFT, published_at=None, meta_description="x" * 170)
    response = edit(editor, article, status="published", published_at_0="2024-01-01", published_at_1="10:00:00")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Warning: The meta description has 170 characters; search engines cut it after about 160." in messages
    assert "Warning: There are no key takeaways." in messages
    assert "Warning: There is no FAQ." in messages
    assert "Warning: No product card recommends a product in this article." in messages
    assert Article.objects.get(pk=article.pk).is_published()


def test_publish_action_checks_each_article(editor, db):
    ready, broken = make_ready_draft(), make_ready_draft(meta_description="")
    response = editor.post(
        changelist(), {"action": "publish_now", "_selected_action": [ready.pk, broken.pk]}, follow=True
    )
    page = response.content.decode()
    assert Article.objects.get(pk=ready.pk).is_published()
    assert Article.objects.get(pk=broken.pk).status == Article.Status.DRAFT
    assert f"“{broken.title}” was not published: Add a meta description" in page


def test_a_future_time_schedules_and_the_admin_says_so(editor, db):
    article = make_ready_draft()
    when = timezone.localtime() + timedelta(days=2)
    edit(editor, article, status="published", published_at_0=f"{when:%Y-%m-%d}", published_at_1=f"{when:%H:%M:%S}")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and not article.is_published()
    assert "Scheduled: readers see it from" in editor.get(reverse(CHANGE, args=[article.pk])).content.decode()


# Preview


def test_staff_preview_of_a_draft(writer, db, page_cache):
    draft = make_ready_draft(title="Not out yet")
    response = writer.get(reverse("articles:preview", args=[draft.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Not out yet" in html
    assert "Draft: readers cannot see this page." in html and '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-store" in response["Cache-Control"] and "X-Page-Cache" not in response
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_preview_needs_staff(client, db):
    draft = make_ready_draft()
    response = client.get(reverse("articles:preview", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_shared_preview_link_works_for_anyone_until_it_expires(client, db, settings):
    settings.ARTICLE_PREVIEW_LINK_DAYS = 3
    draft = make_ready_draft(title="Shared draft")
    path = preview.share_url(draft).removeprefix(settings.SITE_URL)
    response = client.get(path)
    assert response.status_code == 200 and "Shared draft" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        expired = client.get(path)
    assert expired.status_code == 404 and "This preview link has expired" in expired.content.decode()
    tampered = path.replace(f"/{draft.pk}:", f"/{draft.pk + 1}:")
    assert tampered != path and client.get(tampered).status_code == 404


def test_admin_offers_preview_and_share_link(editor, db):
    draft = make_ready_draft()
    html = editor.get(reverse(CHANGE, args=[draft.pk])).content.decode()
    assert reverse("articles:preview", args=[draft.pk]) in html
    assert "/blog/preview/shared/" in html


# Revisions


def test_editor_restores_an_earlier_revision_with_its_children(editor, db):
    product = make_product()
    author = make_author()
    data = {
        "title": "Versioned",
        "slug": "versioned",
        "author": author.pk,
        "excerpt": "",
        "intro_html": "<p>One.</p>",
        "hero_alt": "",
        "seo_title": "",
        "meta_description": "About versions.",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "takeaways-TOTAL_FORMS": "1",
        "takeaways-INITIAL_FORMS": "0",
        "takeaways-0-text": "First takeaway",
        "takeaways-0-sort_order": "1",
        "sections-TOTAL_FORMS": "2",
        "sections-INITIAL_FORMS": "0",
        "sections-0-level": "2",
        "sections-0-heading": "Alpha",
        "sections-0-body_html": "<p>A.</p>",
        "sections-0-sort_order": "1",
        "sections-1-level": "2",
        "sections-1-heading": "Beta",
        "sections-1-body_html": "<p>B.</p>",
        "sections-1-sort_order": "2",
        "product_cards-TOTAL_FORMS": "0",
        "product_cards-INITIAL_FORMS": "0",
        "faqs-TOTAL_FORMS": "1",
        "faqs-INITIAL_FORMS": "0",
        "faqs-0-question": "Why?",
        "faqs-0-answer_html": "<p>Because.</p>",
        "faqs-0-sort_order": "1",
    }
    assert editor.post(reverse("admin:articles_article_add"), data).status_code == 302
    article = Article.objects.get(slug="versioned")
    # Second revision: a card after Alpha, Beta renamed, the FAQ deleted.
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    beta = next(i for i, row in rows(data, "sections").items() if row["heading"] == "Beta")
    data[f"sections-{beta}-heading"] = "Beta renamed"
    data["faqs-0-DELETE"] = "on"
    alpha = article.sections.get(heading="Alpha")
    data.update(
        {
            "product_cards-TOTAL_FORMS": "1",
            "product_cards-0-section": str(alpha.pk),
            "product_cards-0-product": str(product.pk),
            "product_cards-0-sort_order": "1",
        }
    )
    assert editor.post(url, data).status_code == 302
    assert list(article.sections.values_list("heading", flat=True)) == ["Alpha", "Beta renamed"]
    assert not article.faqs.exists() and article.product_cards.count() == 1

    history = editor.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "edna" in history
    first = Version.objects.get_for_object(article).order_by("revision__date_created").first()
    revision_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    restore = editor.post(revision_url, form_data(editor.get(revision_url)))
    assert restore.status_code == 302
    assert list(article.sections.values_list("heading", flat=True)) == ["Alpha", "Beta"]
    assert list(article.faqs.values_list("question", flat=True)) == ["Why?"]
    assert not article.product_cards.exists()
    assert "Beta renamed" not in editor.get(reverse("articles:preview", args=[article.pk])).content.decode()


# Rich text, ordering, lists


def test_editor_and_sanitizer_share_one_allowlist(editor, db):
    article = make_ready_draft()
    response = editor.get(reverse(CHANGE, args=[article.pk]))
    form = response.context["adminform"].form
    assert form.fields["intro_html"].widget.config["extensions"] is richtext.EDITOR_EXTENSIONS
    sections = response.context["inline_admin_formsets"][1].formset
    assert sections.forms[0].fields["body_html"].widget.config["extensions"] is richtext.EDITOR_EXTENSIONS
    allowed = richtext.allowlist()
    assert allowed["tags"] == {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote"}
    assert set(allowed["attributes"]["a"]) == {"href", "title", "rel"}


def test_pasted_scripts_styles_and_handlers_never_reach_the_page(editor, db):
    article = make_ready_draft()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    pasted = (
        '<p style="color:red" onclick="steal()">Pasted <b>bold</b> <span class="x">text</span>'
        "<script>alert(1)</script><style>p{display:none}</style>"
        '<a href="javascript:alert(1)" onmouseover="x()">bad</a> <img src=x onerror="y()"></p>'
    )
    data["sections-0-body_html"] = pasted
    data["faqs-0-answer_html"] = pasted
    data["intro_html"] = pasted
    assert editor.post(url, data).status_code == 302
    html = editor.get(reverse("articles:preview", args=[article.pk])).content.decode()
    body = html.split('<article class="article">')[1].split("</article>")[0]
    for bad in (
        "alert(1)",
        "steal()",
        "onclick",
        "onmouseover",
        "onerror",
        "display:none",
        "javascript:",
        "<img src=x",
    ):
        assert bad not in body
    assert "Pasted <strong>bold</strong> text" in body


def test_sections_are_saved_in_the_dragged_order(editor, db):
    article = make_ready_draft()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    # adminsortable2's drag and drop rewrites these hidden order fields.
    data["sections-0-sort_order"], data["sections-1-sort_order"] = "2", "1"
    assert editor.post(url, data).status_code == 302
    headings = list(article.sections.values_list("heading", flat=True))
    assert headings == ["Heading 2", "Heading 1"]


def test_article_list_columns_and_filters(editor, db):
    with_card = make_article(title="Has a card", sections=1, cards=1)
    make_article(title="No card", sections=1)
    page = editor.get(changelist()).content.decode()
    for column in (
        "Status",
        "Author",
        "Published",
        "Last saved",
        "Reading time",
        "Product cards",
        "Signups",
        "On the site",
    ):
        assert column in page
    assert ">Live<" in page
    assert "View on site" in page
    product = with_card.product_cards.get().product
    filtered = editor.get(changelist(), {"product_cards__product__id__exact": product.pk}).content.decode()
    assert "Has a card" in filtered and "No card" not in filtered
    found = editor.get(changelist(), {"q": "Body 1"}).content.decode()
    assert "Has a card" in found


def test_card_preview_endpoint(editor, db):
    product = make_product(name="ATOM Men's Athletic Sneaker", colorway="Jet Black", rating_count=1379)
    response = editor.get(reverse("admin:products_product_card_preview", args=[product.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "ATOM Men" in html and "(1,379) Ratings" in html


def test_card_preview_needs_a_staff_login(client, db):
    product = make_product()
    response = client.get(reverse("admin:products_product_card_preview", args=[product.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_deactivating_a_product_in_published_articles_asks_first(editor, db):
    article = make_article(title="Uses it", sections=1, cards=1)
    product = article.product_cards.get().product
    url = reverse("admin:products_product_change", args=[product.pk])
    data = form_data(editor.get(url))
    data.pop("is_active", None)
    response = editor.post(url, data)
    assert (
        response.status_code == 200
        and "recommended in published or scheduled articles (“Uses it”)" in response.content.decode()
    )
    product.refresh_from_db()
    assert product.is_active
    data["confirm_deactivate"] = "on"
    assert editor.post(url, data).status_code == 302
    product.refresh_from_db()
    assert not product.is_active


def test_product_list_shows_where_a_product_is_used(editor, db):
    article = make_article(sections=1, cards=1)
    make_article(sections=1, status=Article.Status.DRAFT, published_at=None)
    product = article.product_cards.get().product
    ProductCard.objects.create(
        article=Article.objects.get(status=Article.Status.DRAFT), section=Section.objects.last(), product=product
    )
    page = editor.get(reverse("admin:products_product_changelist")).content.decode()
    assert "2 (1 published)" in page


def test_article_admin_is_versioned_and_sortable():
    # The two libraries are wired in where editors meet them.
    from adminsortable2.admin import SortableAdminBase
    from reversion.admin import VersionAdmin

    assert issubclass(ArticleAdmin, VersionAdmin) and issubclass(ArticleAdmin, SortableAdminBase)


def test_an_import_is_a_revision_staff_can_restore(demo):
    versions = Version.objects.get_for_object(demo)
    assert versions.count() == 1
    assert versions.get().revision.get_comment() == "Imported from can-foot-pain-cause-knee-pain.md."
    children = {v.content_type.model for v in versions.get().revision.version_set.all()}
    assert {"article", "section", "takeaway", "faq", "productcard"} <= children


def test_admin_index_links_the_sales_report_for_those_who_may_see_it(editor, django_user_model, db):
    report = reverse("admin:products_click_report")
    assert report in editor.get(reverse("admin:index")).content.decode()
    editor.force_login(staff_user(django_user_model, "wendy", "Writers"))
    assert report not in editor.get(reverse("admin:index")).content.decode()


def test_deleting_a_product_that_articles_use_is_refused_with_the_cards_named(client, django_user_model, db):
    # Editors may not delete products at all (no permission); administrators are warned.
    editor = client
    editor.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    article = make_article(title="Uses it", sections=1, cards=1)
    product = article.product_cards.get().product
    page = editor.get(reverse("admin:products_product_delete", args=[product.pk])).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert escape(str(article.product_cards.get())) in page
    editor.post(reverse("admin:products_product_delete", args=[product.pk]), {"post": "yes"})
    assert Product.objects.filter(pk=product.pk).exists()


def test_an_untouched_rich_text_body_is_not_reported_as_changed(editor, db):
    from django.contrib.admin.models import LogEntry

    article = make_ready_draft(intro_html="<p>One.</p>\n<p>Two.</p>")
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    # What a browser posts for an untouched textarea: CRLF newlines.
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    data["excerpt"] = "A new excerpt."
    assert editor.post(url, data).status_code == 302
    message = LogEntry.objects.latest("action_time").get_change_message()
    assert message == "Changed Excerpt."
    data["intro_html"] = "<p>One.</p>\r\n<p>Two, edited.</p>"
    editor.post(url, data)
    assert "Introduction" in LogEntry.objects.latest("action_time").get_change_message()


def _new_article_post(author, product, card_section):
    return {
        "title": "All in one go",
        "slug": "all-in-one-go",
        "author": author.pk,
        "excerpt": "",
        "intro_html": "",
        "hero_alt": "",
        "seo_title": "",
        "meta_description": "Built in one save.",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "takeaways-TOTAL_FORMS": "0",
        "takeaways-INITIAL_FORMS": "0",
        "sections-TOTAL_FORMS": "2",
        "sections-INITIAL_FORMS": "0",
        "sections-0-level": "2",
        "sections-0-heading": "First",
        "sections-0-body_html": "<p>1</p>",
        "sections-1-level": "2",
        "sections-1-heading": "Second",
        "sections-1-body_html": "<p>2</p>",
        "product_cards-TOTAL_FORMS": "1",
        "product_cards-INITIAL_FORMS": "0",
        "product_cards-0-section": card_section,
        "product_cards-0-product": str(product.pk),
        "faqs-TOTAL_FORMS": "0",
        "faqs-INITIAL_FORMS": "0",
    }


def test_a_card_can_follow_a_section_added_in_the_same_save(editor, db):
    author, product = make_author(), make_product()
    response = editor.post(reverse("admin:articles_article_add"), _new_article_post(author, product, "new:sections-1"))
    assert response.status_code == 302
    card = Article.objects.get(slug="all-in-one-go").product_cards.get()
    assert card.section.heading == "Second" and card.product == product


@pytest.mark.parametrize(
    "value, message",
    [
        ("new:sections-7", "That new section is not being saved"),
        ("", "Choose the section this card follows."),
        ("new:faqs-0", "Select a valid choice."),
    ],
)
def test_a_card_needs_a_section_that_is_being_saved(editor, db, value, message):
    author, product = make_author(), make_product()
    response = editor.post(reverse("admin:articles_article_add"), _new_article_post(author, product, value))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Article.objects.filter(slug="all-in-one-go").exists()
