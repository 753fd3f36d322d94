"""Drafts of live articles: saving keeps a draft, readers see nothing until an Editor publishes it."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import drafts, publishing
from articles.models import Article, ArticleDraft, ProductCard, Section, Takeaway
from core.pagecache import GENERATION_KEY
from products.models import Product
from tests.admin_forms import form_data, rows
from tests.factories import make_article, make_product, make_ready_draft

CHANGE = "admin:articles_article_change"
# The page cache keeps all but search, which is read afresh every time.
PUBLIC_URLS = ["/blog/", "/blog/feed/", "/sitemap.xml", "/search/?q=heading"]


def make_live(**kwargs):
    """A live article meeting every rule, and the product a draft of it will recommend."""
    make_product(name=f"Draft shoe {Article.objects.count()}")
    return make_ready_draft(status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=1), **kwargs)


def action_url(article, action):
    return reverse(f"admin:articles_article_draft_{action}", args=[article.pk])


def edit(client, article, **changes):
    """GET the change form, apply `changes` to the posted fields, POST it back."""
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def edit_draft(client, article, title="Changed title"):
    """Change the title, rename the first section, delete the FAQ and add a section with a card after it."""
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(client.get(url))
    first = min(rows(data, "sections"), key=lambda i: int(rows(data, "sections")[i]["sort_order"]))
    product = Product.objects.filter(name__startswith="Draft shoe").order_by("pk").last()
    data.update(
        {
            "title": title,
            f"sections-{first}-heading": "Renamed heading",
            "faqs-0-DELETE": "on",
            "sections-TOTAL_FORMS": "3",
            "sections-2-level": "2",
            "sections-2-heading": "A new section",
            "sections-2-body_html": "<p>New words.</p>",
            "sections-2-sort_order": "3",
            "product_cards-TOTAL_FORMS": "2",
            "product_cards-1-section": "new:sections-2",
            "product_cards-1-product": str(product.pk),
            "product_cards-1-sort_order": "2",
        }
    )
    return client.post(url, data)


def live_state(article):
    """What the live rows say, to compare before and after."""
    article = Article.objects.get(pk=article.pk)
    return (
        article.title,
        article.search_text,
        list(article.sections.values_list("pk", "heading")),
        list(article.faqs.values_list("pk", flat=True)),
        list(article.product_cards.values_list("pk", "section_id", "product_id")),
        list(article.takeaways.values_list("pk", "text")),
    )


def anonymous_pages(urls):
    """{url: content} as a reader gets each page, and "cache": how a second GET of each was answered."""
    reader = Client()
    pages = {url: reader.get(url).content for url in urls}
    return pages | {"cache": [reader.get(url).get("X-Page-Cache") for url in urls]}


@pytest.mark.parametrize("role", ["editor", "writer"])
def test_saving_a_live_article_keeps_a_draft_and_readers_see_nothing_new(
    role, request, db, page_cache, django_capture_on_commit_callbacks
):
    client = request.getfixturevalue(role)
    article = make_live()
    urls = [article.get_absolute_url(), *PUBLIC_URLS]
    before = live_state(article)
    pages = anonymous_pages(urls)
    generation = cache.get(GENERATION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        response = edit_draft(client, article)
    assert response.status_code == 302
    assert "Saved as unpublished changes" in client.get(response.url).content.decode()

    draft = ArticleDraft.objects.get(article=article)
    assert draft.snapshot["article"]["fields"]["title"] == "Changed title"
    assert live_state(article) == before
    assert cache.get(GENERATION_KEY) == generation  # no new page-cache generation
    after = anonymous_pages(urls)
    assert after["cache"] == ["hit"] * (len(urls) - 1) + [None]
    assert {url: after[url] for url in urls} == {url: pages[url] for url in urls}
    assert b"Changed title" not in after[article.get_absolute_url()]
    # Not cached either: rendered afresh, the page is the live one.
    cache.clear()
    assert b"Changed title" not in Client().get(article.get_absolute_url()).content


def test_the_form_and_the_preview_show_the_draft_and_the_list_says_so(editor, db):
    article = make_live()
    edit_draft(editor, article)
    form = editor.get(reverse(CHANGE, args=[article.pk]))
    assert form.context["adminform"].form.initial["title"] == "Changed title"
    html = form.content.decode()
    assert "Live + unpublished changes" in html and "Renamed heading" in html and "A new section" in html
    assert "Publish the changes now" in html and "Discard the changes" in html
    preview = editor.get(reverse("articles:preview", args=[article.pk])).content.decode()
    assert (
        "Changed title" in preview and "A new section" in preview and "Unpublished changes to a live article" in preview
    )
    assert "Draft shoe 0" in preview
    assert Article.objects.get(pk=article.pk).title != "Changed title"
    listing = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Live + unpublished changes" in listing


def test_a_second_save_edits_the_draft_not_the_live_article(writer, db):
    article = make_live()
    edit_draft(writer, article)
    before = live_state(article)
    assert edit(writer, article, title="Second go", _continue="1").status_code == 302
    assert live_state(article) == before
    snapshot = ArticleDraft.objects.get(article=article).snapshot
    assert snapshot["article"]["fields"]["title"] == "Second go"
    headings = [row["fields"]["heading"] for row in snapshot["children"]["sections"]]
    assert "Renamed heading" in headings and "A new section" in headings


def test_an_invalid_draft_is_refused_with_the_errors_and_nothing_is_stored(editor, db):
    article = make_live()
    response = edit(editor, article, meta_description="")
    assert response.status_code == 200 and "Add a meta description" in response.content.decode()
    assert not ArticleDraft.objects.exists()


def test_editor_publishes_the_draft_at_once(editor, db, page_cache, django_capture_on_commit_callbacks):
    article = make_live()
    old_faq = article.faqs.get()
    edit_draft(editor, article)
    url = article.get_absolute_url()
    anonymous_pages([url])
    generation = cache.get(GENERATION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(action_url(article, "publish"))
    assert response.status_code == 302
    assert not ArticleDraft.objects.exists()
    article.refresh_from_db()
    assert article.title == "Changed title" and article.is_published()
    headings = list(article.sections.values_list("heading", flat=True))
    assert headings[0] == "Renamed heading" and headings[-1] == "A new section"
    new_section = article.sections.get(heading="A new section")
    assert ProductCard.objects.get(article=article, product__name__startswith="Draft shoe").section == new_section
    assert not article.faqs.filter(pk=old_faq.pk).exists()
    assert "New words" in article.search_text
    assert cache.get(GENERATION_KEY) != generation
    page = Client().get(url)
    assert page["X-Page-Cache"] == "miss" and b"Changed title" in page.content
    assert Version.objects.get_for_object(article).count() == 1  # the publish is a revision


def test_a_writer_posting_publish_or_schedule_is_refused(writer, db):
    article = make_live()
    edit_draft(writer, article)
    before = live_state(article)
    assert writer.post(action_url(article, "publish")).status_code == 403
    when = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert writer.post(action_url(article, "schedule"), {"publish_at": when}).status_code == 403
    html = writer.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert "Publish the changes now" not in html and "An Editor checks and publishes" in html
    assert live_state(article) == before
    assert ArticleDraft.objects.get(article=article).publish_at is None


def test_draft_actions_are_post_only_and_for_live_articles(editor, db):
    article = make_live()
    edit_draft(editor, article)
    assert editor.get(action_url(article, "publish")).status_code == 405
    draft_article = make_ready_draft()
    assert editor.post(action_url(draft_article, "publish")).status_code == 403
    assert editor.post(reverse("admin:articles_article_draft_publish", args=["nope"])).status_code == 403
    without = make_live()
    response = editor.post(action_url(without, "publish"), follow=True)
    assert "has no unpublished changes" in response.content.decode()
    assert ArticleDraft.objects.filter(article=article).exists()


def test_anonymous_posts_go_to_the_login(client, db):
    article = make_live()
    response = client.post(action_url(article, "publish"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_publishing_is_refused_when_the_draft_breaks_a_rule(editor, db):
    article = make_live()
    edit_draft(editor, article)
    Product.objects.filter(name__startswith="Draft shoe").update(is_active=False)
    before = live_state(article)
    response = editor.post(action_url(article, "publish"), follow=True)
    assert "no longer active" in response.content.decode()
    assert live_state(article) == before and ArticleDraft.objects.filter(article=article).exists()


@pytest.mark.parametrize("role", ["editor", "writer"])
def test_discarding_returns_to_the_live_version(role, request, db):
    client = request.getfixturevalue(role)
    article = make_live()
    before = live_state(article)
    edit_draft(client, article)
    assert client.post(action_url(article, "discard"), {"confirm": "yes"}).status_code == 302
    assert not ArticleDraft.objects.exists() and live_state(article) == before
    form = client.get(reverse(CHANGE, args=[article.pk]))
    assert form.context["adminform"].form.initial["title"] == article.title
    assert "Unpublished changes" not in form.content.decode()


def test_a_scheduled_draft_goes_live_at_its_time_without_a_cron(editor, transactional_db, page_cache):
    # Real commits: the request that applies the draft commits, and its page-cache bump runs, before the page cache answers.
    article = make_live()
    edit_draft(editor, article)
    when = timezone.localtime() + timedelta(hours=2)
    response = editor.post(action_url(article, "schedule"), {"publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    draft = ArticleDraft.objects.get(article=article)
    assert draft.is_scheduled() and draft.scheduled_by.username == "edna"
    listing = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Live + changes scheduled for" in listing and "UTC" in listing

    reader = Client()
    url = article.get_absolute_url()
    assert b"Changed title" not in reader.get(url).content
    with time_machine.travel(when - timedelta(minutes=1)):
        assert b"Changed title" not in reader.get(url).content
        assert ArticleDraft.objects.exists()
    with time_machine.travel(when + timedelta(minutes=1)):
        page = reader.get(url)
    assert page["X-Page-Cache"] == "miss" and b"Changed title" in page.content
    assert not ArticleDraft.objects.exists()
    assert Article.objects.get(pk=article.pk).title == "Changed title"


def test_a_scheduled_draft_that_breaks_a_rule_by_then_stays_a_draft(editor, db):
    article = make_live()
    edit_draft(editor, article)
    when = timezone.now() + timedelta(hours=1)
    publishing.article_draft_schedule(article=article, user=editor_user(), when=when)
    drafts._forget()
    Product.objects.filter(name__startswith="Draft shoe").update(is_active=False)
    with time_machine.travel(when + timedelta(seconds=1)):
        assert publishing.publish_due_drafts() == 0
    draft = ArticleDraft.objects.get(article=article)
    assert draft.publish_at is None and "no longer active" in draft.problem
    assert Article.objects.get(pk=article.pk).title != "Changed title"
    assert (
        "were not published at their scheduled time" in editor.get(reverse(CHANGE, args=[article.pk])).content.decode()
    )


def editor_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="edna")


def test_schedule_needs_a_future_time_and_a_new_save_unschedules(editor, db):
    article = make_live()
    edit_draft(editor, article)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor.post(action_url(article, "schedule"), {"publish_at": past}, follow=True)
    assert "Choose a time in the future" in response.content.decode()
    response = editor.post(action_url(article, "schedule"), {"publish_at": "soon"}, follow=True)
    assert "Not scheduled: enter a date and time (UTC)" in response.content.decode()
    future = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    editor.post(action_url(article, "schedule"), {"publish_at": future})
    assert ArticleDraft.objects.get().is_scheduled()
    edit(editor, article, title="Edited after scheduling")
    assert ArticleDraft.objects.get().publish_at is None
    editor.post(action_url(article, "schedule"), {"publish_at": future})
    editor.post(action_url(article, "schedule"), {"unschedule": "1"})
    assert ArticleDraft.objects.get().publish_at is None


def test_nothing_due_costs_no_query_once_the_time_is_cached(db, django_assert_num_queries):
    drafts._forget()
    with django_assert_num_queries(1):
        assert publishing.publish_due_drafts() == 0
    with django_assert_num_queries(0):
        assert publishing.publish_due_drafts() == 0


def test_list_statuses(editor, db):
    live = make_live(title="Plain live")
    changed = make_live(title="Changed live")
    ArticleDraft.objects.create(article=changed, snapshot=drafts.take_snapshot(changed))
    make_ready_draft(title="Only a draft")
    make_ready_draft(
        title="Coming up", status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=2)
    )
    listing = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    rows_html = {
        title: listing.split(title, 1)[1].split("</tr>", 1)[0]
        for title in [live.title, changed.title, "Only a draft", "Coming up"]
    }
    assert ">Live<" in rows_html["Plain live"]
    assert "Live + unpublished changes" in rows_html["Changed live"]
    assert ">Draft<" in rows_html["Only a draft"]
    assert "Scheduled for" in rows_html["Coming up"] and "UTC" in rows_html["Coming up"]


def test_restoring_a_revision_of_a_live_article_makes_a_draft(editor, db):
    article = make_live()
    edit_draft(editor, article)
    editor.post(action_url(article, "publish"))
    version = Version.objects.get_for_object(article).get()
    edit(editor, article, title="Later change")
    editor.post(action_url(article, "publish"))
    assert Article.objects.get(pk=article.pk).title == "Later change"
    url = reverse("admin:articles_article_revision", args=[article.pk, version.pk])
    assert editor.post(url, form_data(editor.get(url))).status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Later change"
    assert ArticleDraft.objects.get(article=article).snapshot["article"]["fields"]["title"] == "Changed title"


def test_apply_keeps_ids_and_renumbers_rows_another_article_took(db):
    article = make_live()
    snapshot = drafts.take_snapshot(article)
    section_pk = snapshot["children"]["sections"][0]["pk"]
    other = make_article(sections=1)
    taken = other.sections.get().pk
    # A takeaway new in the draft whose id another article has since used.
    snapshot["children"]["takeaways"].append(
        {
            "model": "articles.takeaway",
            "pk": Takeaway.objects.get(article=make_article(takeaways=1)).pk,
            "fields": {"article": article.pk, "text": "Draft takeaway", "sort_order": 9},
        }
    )
    snapshot["children"]["sections"][0]["fields"]["heading"] = "Renamed"
    drafts.apply_snapshot(article, snapshot)
    assert Section.objects.get(pk=section_pk).heading == "Renamed"
    assert Section.objects.get(pk=taken).article == other
    assert article.takeaways.filter(text="Draft takeaway").exists()
    assert Takeaway.objects.filter(text="Takeaway 1").exclude(article=article).exists()


def test_unpublishing_makes_the_changes_the_drafts_content(editor, db):
    article = make_live()
    edit_draft(editor, article)
    editor.post(reverse("admin:articles_article_changelist"), {"action": "unpublish", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.title == "Changed title"
    assert article.sections.filter(heading="A new section").exists() and not ArticleDraft.objects.exists()


def test_history_lists_draft_saves_and_publishing(editor, db):
    article = make_live()
    edit_draft(editor, article)
    editor.post(action_url(article, "publish"))
    # History lists revisions: the publish is one. Draft saves are in the admin log ("Recent actions").
    history = editor.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "Published the unpublished changes." in history
    logged = list(LogEntry.objects.filter(object_id=str(article.pk)).values_list("change_message", flat=True))
    assert logged == ["Published the unpublished changes.", "Saved unpublished changes."]


def test_a_post_does_not_look_for_due_drafts(client, db, django_assert_num_queries):
    drafts._forget()
    with django_assert_num_queries(0):
        client.post("/")  # refused (405) after every middleware
    with django_assert_num_queries(1):
        assert publishing.publish_due_drafts() == 0  # still unknown: a GET would have asked


def test_a_scheduled_draft_goes_live_while_its_page_is_answered_before_django(editor, transactional_db, page_cache):
    """Under a WSGI server, hits never reach DraftPublishingMiddleware: the generation must expire at the time."""
    from tests.test_pagecache_wsgi import serve

    article = make_live()
    edit_draft(editor, article)
    when = timezone.localtime() + timedelta(hours=2)
    editor.post(action_url(article, "schedule"), {"publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    url = article.get_absolute_url()
    serve(url)
    cached = serve(url)
    assert cached["X-Page-Cache"] == "hit" and b"Changed title" not in cached.body
    with time_machine.travel(when + timedelta(minutes=1)):
        page = serve(url)
        assert page["X-Page-Cache"] == "miss" and b"Changed title" in page.body
        assert serve(url)["X-Page-Cache"] == "hit"
    assert Article.objects.get(pk=article.pk).title == "Changed title"
