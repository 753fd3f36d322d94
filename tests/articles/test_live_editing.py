"""Live preview, autosave, presence and the conflict rule of the article form (articles/admin/editing.py)."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, ArticleDraft, EditPresence, Section
from tests.admin_forms import form_data, rows, staff_user
from tests.factories import image_file, make_article, make_author, make_product, make_ready_draft

CHANGE = "admin:articles_article_change"


def url(name, article=None):
    return reverse(f"admin:articles_article_{name}", args=[article.pk] if article else [])


def loaded(client, article):
    """The change form's POST data as a browser sends it, with the version it was loaded from."""
    response = client.get(reverse(CHANGE, args=[article.pk]))
    data = form_data(response)
    data["_edit_version"] = response.context["live_preview"]["version"]
    return data


def make_live():
    make_product(name="Live shoe")
    return make_ready_draft(status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=1))


def on_postgresql():
    return int(connection.vendor == "postgresql")


def stored(article):
    article = Article.objects.get(pk=article.pk)
    return (
        article.title,
        article.status,
        article.updated_at,
        list(article.sections.values_list("pk", "heading", "level")),
        list(article.takeaways.values_list("pk", "text")),
        list(article.product_cards.values_list("pk", "section_id")),
        list(article.faqs.values_list("pk", "question")),
    )


@pytest.fixture
def walt(django_user_model):
    return staff_user(django_user_model, "walt", "Writers")


@pytest.fixture
def edna(django_user_model):
    return staff_user(django_user_model, "edna", "Editors")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# The live preview.


def test_preview_renders_the_unsaved_form_and_stores_nothing(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    before, versions, logs = stored(article), Version.objects.count(), LogEntry.objects.count()
    data.update(
        {
            "title": "A title typed just now",
            "takeaways-0-text": "A changed takeaway",
            "sections-TOTAL_FORMS": "3",
            "sections-2-level": "2",
            "sections-2-heading": "A section typed just now",
            "sections-2-body_html": "<p>Fresh words.</p><script>alert(1)</script>",
            "sections-2-sort_order": "3",
            "faqs-0-DELETE": "on",
        }
    )
    response = client.post(url("live_preview", article), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A title typed just now" in html and "A changed takeaway" in html
    assert "A section typed just now" in html and "Fresh words." in html and "<script>alert" not in html
    assert "Question 1?" not in html  # the FAQ marked for deletion
    assert "Unsaved changes, as you type" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert stored(article) == before
    assert (Version.objects.count(), LogEntry.objects.count()) == (versions, logs)


def test_preview_of_a_live_article_shows_its_draft_with_the_edit_and_leaves_readers_alone(walt, client, db):
    article = make_live()
    writer = client_for(walt)
    data = loaded(writer, article)
    data["title"] = "A better title"
    assert writer.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302  # a draft now
    public = client.get(article.get_absolute_url()).content
    before = stored(article)
    data = loaded(writer, article)
    data["excerpt"] = "An excerpt being typed"
    response = writer.post(url("live_preview", article), data)
    html = response.content.decode()
    assert "A better title" in html and "An excerpt being typed" not in public.decode()
    assert stored(article) == before
    assert ArticleDraft.objects.get(article=article).snapshot["article"]["fields"]["title"] == "A better title"
    assert client.get(article.get_absolute_url()).content == public


def test_an_invalid_form_previews_what_is_valid_with_notes(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    first = min(rows(data, "sections"))
    data.update(
        {
            "title": "",  # required
            "intro_html": "<p>A valid intro.</p>",
            f"sections-{first}-level": "7",  # no such level
            f"sections-{first}-heading": "Not shown",
            "product_cards-TOTAL_FORMS": "2",
            "product_cards-1-section": "new:sections-9",  # a section that is not being saved
            "product_cards-1-product": str(make_product().pk),
        }
    )
    response = client.post(url("live_preview", article), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A valid intro." in html
    assert "Title: This field is required." in html
    assert "Section 1:" in html and "Not shown" not in html
    assert "Product card 2:" in html
    assert Article.objects.get(pk=article.pk).intro_html == "<p>Intro.</p>"


def test_preview_of_the_add_form_creates_no_article(walt, db):
    make_author()
    client = client_for(walt)
    data = form_data(client.get(reverse("admin:articles_article_add")))
    data.update({"title": "A new idea", "slug": "", "intro_html": "<p>First lines.</p>"})
    response = client.post(url("live_preview_add"), data)
    assert response.status_code == 200
    assert "A new idea" in response.content.decode() and "First lines." in response.content.decode()
    assert not Article.objects.exists()


def test_preview_without_any_author_says_what_is_missing(walt, db):
    client = client_for(walt)
    data = form_data(client.get(reverse("admin:articles_article_add")))
    data["title"] = "No author yet"
    response = client.post(url("live_preview_add"), data)
    assert response.status_code == 400
    assert "Add an author to see the preview." in response.json()["notes"]


def test_preview_ignores_uploads(walt, db, settings):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    data["hero_image"] = image_file("new-hero.jpg", width=1600, height=900)
    data["hero_alt"] = "A runner on a trail"
    assert client.post(url("live_preview", article), data).status_code == 200
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.jpg"))
    assert not Article.objects.get(pk=article.pk).hero_image


def test_preview_refuses_who_may_not_change_the_article(walt, edna, django_user_model, db):
    draft, scheduled = make_ready_draft(), make_article(published_at=timezone.now() + timedelta(days=1))
    data = {"title": "x"}
    assert Client().post(url("live_preview", draft), data).status_code == 302  # to the login page
    reader = django_user_model.objects.create_user("rita", "rita@example.com", "pw")
    assert client_for(reader).post(url("live_preview", draft), data).status_code == 302
    writer = client_for(walt)
    assert writer.get(url("live_preview", draft)).status_code == 405
    assert writer.post(url("live_preview", scheduled), data).status_code == 403  # Editors change scheduled work
    assert writer.post(reverse("admin:articles_article_live_preview", args=["999999"]), data).status_code == 403
    assert writer.post(reverse("admin:articles_article_live_preview", args=["nonsense"]), data).status_code == 403
    assert client_for(edna).post(url("live_preview", scheduled), loaded(client_for(edna), scheduled)).status_code == 200


def test_preview_needs_the_csrf_token(walt, db):
    article = make_ready_draft()
    client = Client(enforce_csrf_checks=True)
    client.force_login(walt)
    data = form_data(client.get(reverse(CHANGE, args=[article.pk])))
    data.pop("csrfmiddlewaretoken", None)
    assert client.post(url("live_preview", article), data).status_code == 403


def test_a_crafted_preview_post_with_nonsense_never_fails(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    for data in (
        {},
        {"sections-TOTAL_FORMS": "x", "title": "Bad formset"},
        {"takeaways-TOTAL_FORMS": "1", "takeaways-INITIAL_FORMS": "1", "takeaways-0-id": "999999"},
        {**loaded(client, article), "author": "999999", "topics": ["abc"], "status": "published"},
    ):
        response = client.post(url("live_preview", article), data)
        assert response.status_code in (200, 400), data
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_preview_query_count_is_pinned(walt, db, django_assert_num_queries):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    data["title"] = "Counted"
    # PostgreSQL also stores the search vector of the previewed rows (one more query).
    with django_assert_num_queries(41 + on_postgresql()):
        response = client.post(url("live_preview", article), data)
    assert "Counted" in response.content.decode()


# Autosave.


def test_autosave_keeps_a_draft_article_without_publishing_it(edna, db):
    article = make_ready_draft()
    client = client_for(edna)
    data = loaded(client, article)
    versions, logs = Version.objects.count(), LogEntry.objects.count()
    data.update({"title": "Autosaved title", "status": "published", "published_at_0": "2026-01-01"})
    answer = client.post(url("autosave", article), data).json()
    assert answer["saved"] is True and answer["message"].startswith("Autosaved as a draft at")
    article.refresh_from_db()
    assert (article.title, article.status, article.published_at) == ("Autosaved title", Article.Status.DRAFT, None)
    assert (Version.objects.count(), LogEntry.objects.count()) == (versions, logs)  # no history row every 20 s
    assert answer["version"] == article.updated_at.isoformat()


def test_autosave_of_a_live_article_stores_its_draft_only(walt, client, db):
    article = make_live()
    public, before = client.get(article.get_absolute_url()).content, stored(article)
    writer = client_for(walt)
    data = loaded(writer, article)
    data["title"] = "Autosaved change"
    answer = writer.post(url("autosave", article), data).json()
    assert answer["saved"] is True and "as unpublished changes" in answer["message"]
    draft = ArticleDraft.objects.get(article=article)
    assert draft.snapshot["article"]["fields"]["title"] == "Autosaved change" and draft.saved_by == walt
    assert stored(article) == before and client.get(article.get_absolute_url()).content == public
    assert answer["version"] == draft.saved_at.isoformat()
    # Coming back: the form shows the autosaved draft.
    assert loaded(writer, article)["title"] == "Autosaved change"


def test_an_invalid_autosave_keeps_nothing(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    before = stored(article)
    data.update({"title": "", "excerpt": "Would be lost", "slug": "not a slug!"})
    answer = client.post(url("autosave", article), data).json()
    # What to fix, said here: the page keeps the typing until it is.
    assert answer["saved"] is False and answer["message"].startswith("Not autosaved: add a title. Also fix: Slug: ")
    assert stored(article) == before


def test_autosave_refuses_who_may_not_change_the_article(walt, django_user_model, db):
    draft, scheduled = make_ready_draft(), make_article(published_at=timezone.now() + timedelta(days=1))
    assert Client().post(url("autosave", draft), {}).status_code == 302
    reader = django_user_model.objects.create_user("rita", "rita@example.com", "pw")
    assert client_for(reader).post(url("autosave", draft), {}).status_code == 302
    writer = client_for(walt)
    assert writer.get(url("autosave", draft)).status_code == 405
    assert writer.post(url("autosave", scheduled), {"title": "x"}).status_code == 403
    assert Article.objects.get(pk=scheduled.pk).title != "x"


def test_autosave_query_counts_are_pinned(walt, db, django_assert_num_queries):
    draft, live = make_ready_draft(), make_live()
    client = client_for(walt)
    # PostgreSQL also stores the search vector of the saved rows (one more query).
    for article, queries in ((draft, 39 + on_postgresql()), (live, 56 + on_postgresql())):
        data = loaded(client, article)
        data["title"] = "Counted"
        with django_assert_num_queries(queries):
            assert client.post(url("autosave", article), data).json()["saved"] is True


# Autosave of the add form: the first valid one creates the article as a draft, the page goes on as its change form.


def add_form(client, **fields):
    """The add form's POST data as a browser sends it, with `fields` typed in."""
    data = form_data(client.get(reverse("admin:articles_article_add")))
    data.update(fields)
    return data


def typed(author, /, **fields):
    """A new article typed into the add form: a title, its slug, an author, a takeaway and a section."""
    return {
        "title": "Typed, never saved",
        "slug": "typed-never-saved",
        "author": str(author.pk),
        "intro_html": "<p>First lines.</p>",
        "takeaways-TOTAL_FORMS": "1",
        "takeaways-0-text": "A first takeaway",
        "takeaways-0-sort_order": "1",
        "sections-TOTAL_FORMS": "1",
        "sections-0-level": "2",
        "sections-0-heading": "A first section",
        "sections-0-body_html": "<p>Words.</p>",
        "sections-0-sort_order": "1",
        **fields,
    }


def test_the_first_autosave_of_the_add_form_creates_one_draft_that_later_saves_update(walt, client, db):
    author = make_author()
    writer = client_for(walt)
    data = add_form(writer, **typed(author))
    versions, logs = Version.objects.count(), LogEntry.objects.count()
    answer = writer.post(url("autosave_add"), data).json()
    assert answer["saved"] is True and answer["message"].startswith("Autosaved as a draft at")
    article = Article.objects.get()
    assert (article.title, article.status, article.published_at) == ("Typed, never saved", Article.Status.DRAFT, None)
    assert (article.author, article.last_edited_by) == (author, walt)
    assert answer["urls"] == {
        "change": reverse(CHANGE, args=[article.pk]),
        "autosave": url("autosave", article),
        "editing": url("editing", article),
        "preview": url("live_preview", article),
    }
    section, takeaway = article.sections.get(), article.takeaways.get()
    assert answer["rows"] == {
        "takeaways": {"0": takeaway.pk},
        "sections": {"0": section.pk},
        "product_cards": {},
        "faqs": {},
    }
    assert answer["version"] == article.updated_at.isoformat()
    # Its history starts with "Added", by the writer; the first revision comes with a save, as for every autosave.
    assert Version.objects.count() == versions
    (added,) = LogEntry.objects.all()[: LogEntry.objects.count() - logs]
    assert (added.action_flag, added.user, added.object_id) == (ADDITION, walt, str(article.pk))
    assert EditPresence.objects.get(article=article).user == walt
    assert not Article.objects.published().exists()
    assert client.get(article.get_absolute_url()).status_code == 404

    # As article_editing.js does: the ids and the version go into the page, which posts to the new addresses.
    data.update({"sections-0-id": str(section.pk), "takeaways-0-id": str(takeaway.pk)})
    data.update({"_edit_version": answer["version"], "title": "Typed, autosaved twice"})
    data["sections-0-heading"] = "A first section, reworded"
    again = writer.post(answer["urls"]["autosave"], data).json()
    assert again["saved"] is True and "urls" not in again
    assert LogEntry.objects.count() == logs + 1  # later autosaves add no history
    assert Article.objects.get().title == "Typed, autosaved twice"
    assert list(Section.objects.values_list("pk", "heading")) == [(section.pk, "A first section, reworded")]

    # Then "Save", from the same page: the article is saved (with its history), not a second one made.
    data.update({"_edit_version": again["version"], "title": "Typed, then saved"})
    assert writer.post(answer["urls"]["change"], data).status_code == 302
    assert list(Article.objects.values_list("title", "status")) == [("Typed, then saved", Article.Status.DRAFT)]
    assert (article.sections.count(), article.takeaways.count()) == (1, 1)
    assert Version.objects.get_for_object(article).count() == 1
    assert client.get(article.get_absolute_url()).status_code == 404


def test_an_autosave_of_the_add_form_never_publishes(edna, client, db):
    make_product(name="Card shoe")
    editor = client_for(edna)
    when = local_fields(timezone.now() - timedelta(hours=1))
    data = add_form(editor, **typed(make_author(), status="published", **when))
    answer = editor.post(url("autosave_add"), data).json()
    assert answer["saved"] is True
    article = Article.objects.get()
    assert (article.status, article.published_at) == (Article.Status.DRAFT, None)
    data["_edit_version"] = answer["version"]
    assert editor.post(answer["urls"]["autosave"], data).json()["saved"] is True
    assert Article.objects.get().status == Article.Status.DRAFT
    assert not Article.objects.published().exists() and not Article.objects.scheduled().exists()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_an_add_form_not_ready_is_not_autosaved_and_the_answer_says_what_is_missing(walt, db):
    author = make_author()
    client = client_for(walt)
    cases = (
        ({"title": "", "slug": ""}, "Not autosaved yet: add a title and a slug."),
        ({"title": "", "slug": "", "author": ""}, "Not autosaved yet: add a title, a slug and an author."),
        ({"author": ""}, "Not autosaved yet: add an author."),
        ({"title": ""}, "Not autosaved yet: add a title."),
        (
            {"sections-0-level": "7"},
            "Not autosaved yet: Fix: Section 1: Select a valid choice. 7 is not one of the available choices.",
        ),
        ({"title": "", "slug": "Not a slug!"}, "Not autosaved yet: add a title. Also fix: Slug: Enter a valid “slug”"),
    )
    for fields, message in cases:
        answer = client.post(url("autosave_add"), add_form(client, **typed(author, **fields))).json()
        assert answer["saved"] is False and answer["message"].startswith(message), (fields, answer["message"])
        assert "urls" not in answer
    assert not Article.objects.exists() and not Section.objects.exists() and not EditPresence.objects.exists()


def test_add_form_autosave_roles(walt, django_user_model, db):
    from django.contrib.auth.models import Permission

    data = add_form(client_for(walt), **typed(make_author()))
    assert Client().post(url("autosave_add"), data).status_code == 302  # to the login page
    reader = django_user_model.objects.create_user("rita", "rita@example.com", "pw")
    assert client_for(reader).post(url("autosave_add"), data).status_code == 302
    viewer = django_user_model.objects.create_user("vic", "vic@example.com", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert client_for(viewer).post(url("autosave_add"), data).status_code == 403
    assert client_for(walt).get(url("autosave_add")).status_code == 405
    assert not Article.objects.exists()


def test_add_form_autosave_needs_the_csrf_token(walt, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(walt)
    data = add_form(client, **typed(make_author()))
    data.pop("csrfmiddlewaretoken", None)
    assert client.post(url("autosave_add"), data).status_code == 403
    assert not Article.objects.exists()


def test_a_crafted_add_form_autosave_never_fails_nor_takes_others_rows(walt, db):
    other = make_ready_draft()
    before = stored(other)
    author = make_author()
    client = client_for(walt)
    other_section = other.sections.first()
    for fields in (
        {"sections-TOTAL_FORMS": "x"},
        {"takeaways-INITIAL_FORMS": "1", "takeaways-0-id": "999999"},
        {"takeaways-INITIAL_FORMS": "1", "takeaways-0-id": str(other.takeaways.first().pk)},
        {"sections-0-id": str(other_section.pk)},
        {"sections-0-id": "99999999999999999999999"},
        {"author": "999999", "topics": ["abc"]},
        {"product_cards-TOTAL_FORMS": "1", "product_cards-0-section": str(other_section.pk)},
        {"product_cards-TOTAL_FORMS": "1", "product_cards-0-section": "new:sections-9"},
        {"sections-REMOVED": [str(other_section.pk)], "slug": "", "title": ""},
    ):
        response = client.post(url("autosave_add"), add_form(client, **typed(author, **fields)))
        assert response.status_code == 200 and response.json()["message"], fields
        Article.objects.exclude(pk=other.pk).delete()  # a valid one is a new article, as "Save" would add
    assert client.post(url("autosave_add"), {}).json()["saved"] is False
    assert stored(other) == before and Article.objects.count() == 1


def test_leaving_the_add_form_autosaves_without_staying_present(walt, edna, db):
    client = client_for(walt)
    answer = client.post(url("autosave_add"), add_form(client, **typed(make_author(), _leaving="1"))).json()
    assert answer["saved"] is True
    article = Article.objects.get()
    assert editing_notice_for(edna, article) == ""


def editing_notice_for(user, article):
    return client_for(user).post(url("editing", article)).json()["notice"]


def test_add_form_autosave_query_count_is_pinned(walt, db, django_assert_num_queries):
    author = make_author()
    client = client_for(walt)
    data = add_form(client, **typed(author))
    # PostgreSQL also stores the search vector of the saved rows (one more query).
    with django_assert_num_queries(26 + on_postgresql()):
        assert client.post(url("autosave_add"), data).json()["saved"] is True
    data.update(title="", slug="another-slug")
    with django_assert_num_queries(10):  # the form's checks, rolled back: nothing stored
        assert client.post(url("autosave_add"), data).json()["saved"] is False


# Someone else's newer save, and who is editing.


def test_a_save_over_someone_elses_newer_save_is_refused_then_allowed_knowingly(walt, edna, db):
    article = make_ready_draft()
    writer, editor = client_for(walt), client_for(edna)
    walts = loaded(writer, article)
    ednas = loaded(editor, article)
    ednas["title"] = "Edna's title"
    assert editor.post(reverse(CHANGE, args=[article.pk]), ednas).status_code == 302

    walts.update({"title": "Walt's title", "excerpt": "Walt's excerpt"})
    response = writer.post(reverse(CHANGE, args=[article.pk]), walts)
    assert response.status_code == 200
    html = response.content.decode()
    assert "edna saved a newer version at" in html
    assert f'href="{reverse("articles:preview", args=[article.pk])}" target="_blank">open their version</a>' in html
    assert response.context["adminform"].form["excerpt"].value() == "Walt's excerpt"  # the input is kept
    assert Article.objects.get(pk=article.pk).title == "Edna's title"
    # The form now carries Edna's version: saving again replaces it.
    walts["_edit_version"] = response.context["live_preview"]["version"]
    assert writer.post(reverse(CHANGE, args=[article.pk]), walts).status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Walt's title"


def test_an_autosave_over_someone_elses_newer_draft_is_refused(walt, edna, db):
    article = make_live()
    writer, editor = client_for(walt), client_for(edna)
    walts = loaded(writer, article)
    ednas = loaded(editor, article)
    ednas["title"] = "Edna's draft"
    assert editor.post(url("autosave", article), ednas).json()["saved"] is True
    walts["title"] = "Walt's draft"
    response = writer.post(url("autosave", article), walts)
    assert response.status_code == 409
    assert "edna saved a newer version" in response.json()["message_html"]
    assert ArticleDraft.objects.get(article=article).snapshot["article"]["fields"]["title"] == "Edna's draft"


def test_ones_own_newer_save_is_no_conflict(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    data["title"] = "Autosaved first"
    assert client.post(url("autosave", article), data).json()["saved"] is True
    # The form still holds the version it was loaded from (another window, say).
    data["title"] = "Then saved"
    assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Then saved"


def test_a_newer_save_by_nobody_known_is_a_conflict_too(walt, edna, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        Article.objects.get(pk=article.pk).save()  # an import, say
        data["title"] = "Over it"
        response = client.post(reverse(CHANGE, args=[article.pk]), data)
    assert response.status_code == 200 and "Someone saved a newer version" in response.content.decode()


def test_presence_shows_who_else_is_editing_until_it_expires(walt, edna, db):
    article = make_ready_draft()
    writer, editor = client_for(walt), client_for(edna)
    editor.get(reverse(CHANGE, args=[article.pk]))
    response = writer.get(reverse(CHANGE, args=[article.pk]))
    assert "edna is editing this article too" in response.content.decode()
    assert "walt is editing" not in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=100)):
        assert "edna is editing" in writer.get(reverse(CHANGE, args=[article.pk])).content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        assert "edna is editing" not in writer.get(reverse(CHANGE, args=[article.pk])).content.decode()
        # Her heartbeat brings her back; the answer names who else is there.
        assert editor.post(url("editing", article)).json()["notice"].startswith("walt is editing")
        assert "edna is editing" in writer.post(url("editing", article)).json()["notice"]
        editor.post(url("editing", article), {"leave": "1"})
        assert writer.post(url("editing", article)).json()["notice"] == ""
    assert EditPresence.objects.filter(article=article).count() == 2  # one row per person, never more


def test_presence_endpoint_roles(walt, django_user_model, db):
    draft, scheduled = make_ready_draft(), make_article(published_at=timezone.now() + timedelta(days=1))
    assert Client().post(url("editing", draft)).status_code == 302
    reader = django_user_model.objects.create_user("rita", "rita@example.com", "pw")
    assert client_for(reader).post(url("editing", draft)).status_code == 302
    writer = client_for(walt)
    assert writer.get(url("editing", draft)).status_code == 405
    assert writer.post(url("editing", scheduled)).status_code == 403
    # Viewing a scheduled article (read only) is not editing it.
    writer.get(reverse(CHANGE, args=[scheduled.pk]))
    assert not EditPresence.objects.filter(article=scheduled).exists()


def test_the_change_form_has_the_pane_only_for_who_may_change(walt, db):
    draft, scheduled = make_ready_draft(), make_article(published_at=timezone.now() + timedelta(days=1))
    writer = client_for(walt)
    html = writer.get(reverse(CHANGE, args=[draft.pk])).content.decode()
    assert 'class="live-preview"' in html and url("live_preview", draft) in html and url("autosave", draft) in html
    assert 'name="_edit_version"' in html
    assert 'class="live-preview"' not in writer.get(reverse(CHANGE, args=[scheduled.pk])).content.decode()
    add = writer.get(reverse("admin:articles_article_add")).content.decode()
    assert url("live_preview_add") in add and f'data-autosave-url="{url("autosave_add")}"' in add
    assert 'data-add="1"' in add and "the new article is autosaved as a draft every 20 seconds" in add


def test_a_revision_page_has_no_autosave(edna, db):
    article = make_ready_draft()
    client = client_for(edna)
    data = loaded(client, article)
    data["title"] = "Second version"
    client.post(reverse(CHANGE, args=[article.pk]), data)
    version = Version.objects.get_for_object(article).last()
    page = client.get(reverse("admin:articles_article_revision", args=[article.pk, version.pk]))
    assert page.status_code == 200 and 'class="live-preview"' not in page.content.decode()


def test_sections_saved_from_a_preview_never_survive(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    data.update({"sections-TOTAL_FORMS": "3", "sections-2-level": "2", "sections-2-heading": "Ghost"})
    client.post(url("live_preview", article), data)
    assert not Section.objects.filter(heading="Ghost").exists()


# The page cache's generation: only what readers see, or will see at a recorded time, starts a new one.


def generation():
    from core.pagecache import GENERATION_KEY, cache, current_generation

    current_generation()  # make one if there is none
    return cache.get(GENERATION_KEY)


def local_fields(when):
    when = timezone.localtime(when)
    return {"published_at_0": when.strftime("%Y-%m-%d"), "published_at_1": when.strftime("%H:%M:%S")}


def test_autosaving_a_private_draft_keeps_the_generation_and_publishing_it_starts_one(
    edna, db, page_cache, django_capture_on_commit_callbacks
):
    article = make_ready_draft()
    client = client_for(edna)
    before = generation()
    data = loaded(client, article)
    for n in range(3):
        data.update({"title": f"Typing {n}", "sections-0-heading": f"Heading {n}", "faqs-0-question": f"Why {n}?"})
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url("autosave", article), data).json()
        assert answer["saved"] is True
        data["_edit_version"] = answer["version"]
    assert Article.objects.get(pk=article.pk).title == "Typing 2"
    assert generation() == before

    with django_capture_on_commit_callbacks(execute=True):
        data.update(status="published", **local_fields(timezone.now() - timedelta(minutes=1)))
        assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    assert Article.objects.get(pk=article.pk).is_published()
    assert generation()[0] != before[0]


def test_editing_the_draft_of_a_live_article_keeps_the_generation(
    walt, db, page_cache, django_capture_on_commit_callbacks
):
    article = make_live()
    client = client_for(walt)
    before = generation()
    data = loaded(client, article)
    data.update({"title": "Unpublished edit", "sections-0-heading": "Unpublished heading"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("autosave", article), data).json()["saved"] is True
        data["_edit_version"] = editing_version(article)
        assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    assert ArticleDraft.objects.filter(article=article).exists()
    assert generation() == before


def editing_version(article):
    from articles.editing import edit_version

    return edit_version(article.pk)


def test_changes_readers_see_start_a_generation(db, page_cache, django_capture_on_commit_callbacks):
    live, draft = make_live(), make_ready_draft()
    for change in (
        lambda: Article.objects.get(pk=live.pk).save(),
        lambda: live.sections.first().save(),
        lambda: live.faqs.first().delete(),
        lambda: live.topics.clear(),
    ):
        before = generation()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert generation()[0] != before[0]
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.get(pk=draft.pk).save()
        draft.sections.first().save()
        draft.takeaways.first().delete()
        draft.topics.clear()
        draft.delete()
    assert generation() == before


def test_scheduling_records_the_time_and_later_edits_keep_the_generation(
    edna, db, page_cache, django_capture_on_commit_callbacks
):
    article = make_ready_draft()
    client = client_for(edna)
    data = loaded(client, article)
    soon = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        data.update(status="published", **local_fields(soon))
        assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    scheduled = generation()
    assert scheduled[0] != before[0] and scheduled[1] == soon.timestamp()  # the generation knows the time

    data = loaded(client, article)
    data["title"] = "Still scheduled, reworded"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("autosave", article), data).json()["saved"] is True
        data["_edit_version"] = editing_version(article)
        assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    assert Article.objects.get(pk=article.pk).is_scheduled() and generation() == scheduled

    sooner = soon - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        data = loaded(client, article) | local_fields(sooner)
        assert client.post(reverse(CHANGE, args=[article.pk]), data).status_code == 302
    assert generation()[1] == sooner.timestamp()
    # Its time comes: the first request after it starts a generation with the article in it.
    with time_machine.travel(sooner + timedelta(seconds=1), tick=False):
        assert generation()[0] != scheduled[0]
        assert Client().get(article.get_absolute_url()).status_code == 200


def test_a_row_added_on_the_page_is_saved_once_however_often_it_is_autosaved(walt, db):
    article = make_ready_draft()
    client = client_for(walt)
    data = loaded(client, article)
    n = int(data["sections-TOTAL_FORMS"])
    new = {f"sections-{n}-level": "2", f"sections-{n}-heading": "Typed on the page", f"sections-{n}-sort_order": "9"}
    data.update({"sections-TOTAL_FORMS": str(n + 1), **new})
    for heading in ("Typed on the page", "Typed on the page, then changed"):
        data[f"sections-{n}-heading"] = heading
        answer = client.post(url("autosave", article), data).json()
        assert answer["saved"] is True
        # As article_editing.js does: the row's id and the new version go into the form.
        for index, pk in answer["rows"]["sections"].items():
            data[f"sections-{index}-id"] = str(pk)
        data["_edit_version"] = answer["version"]
    assert list(article.sections.filter(heading__startswith="Typed").values_list("heading", flat=True)) == [
        "Typed on the page, then changed"
    ]


@pytest.mark.parametrize("add", [True, False])
def test_preview_with_another_articles_slug_previews_with_a_note(walt, add, db):
    taken = make_article(slug="already-taken")
    client = client_for(walt)
    if add:
        make_author()
        data, target = form_data(client.get(reverse("admin:articles_article_add"))), url("live_preview_add")
    else:
        article = make_ready_draft()
        data, target = loaded(client, article), url("live_preview", article)
    data.update({"title": "A title of its own", "slug": taken.slug, "intro_html": "<p>Shown anyway.</p>"})
    response = client.post(target, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Shown anyway." in html and "Slug: Article with this Slug already exists." in html
    assert "UNIQUE" not in html.upper() and "constraint" not in html.lower()
    assert Article.objects.filter(slug=taken.slug).count() == 1
