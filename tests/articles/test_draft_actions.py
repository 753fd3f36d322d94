"""Discarding a draft asks first; Editors publish many drafts at once; the list names a draft under review."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from articles import reviews
from articles.models import ArticleDraft
from tests.articles.test_drafts import action_url, edit, edit_draft, live_state, make_live
from tests.factories import make_ready_draft

CHANGE = "admin:articles_article_change"
CHANGELIST = "admin:articles_article_changelist"


def test_discarding_asks_first_and_a_post_without_the_answer_discards_nothing(editor, db):
    article = make_live()
    edit_draft(editor, article)
    form = editor.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert f'href="{action_url(article, "discard")}"' in form  # a link to the question, not a POST
    page = editor.get(action_url(article, "discard"))
    html = page.content.decode()
    assert page.status_code == 200 and page.templates[0].name == "admin/articles/article/discard_confirmation.html"
    assert "cannot be undone" in html and 'name="confirm" value="yes"' in html and "csrfmiddlewaretoken" in html
    assert "by edna" in html and "?old=current&amp;new=draft" in html
    assert editor.post(action_url(article, "discard")).status_code == 200  # the question again
    assert ArticleDraft.objects.filter(article=article).exists()
    response = editor.post(action_url(article, "discard"), {"confirm": "yes"}, follow=True)
    assert "Discarded the unpublished changes" in response.content.decode()
    assert not ArticleDraft.objects.filter(article=article).exists()


def test_a_writer_may_not_discard_changes_someone_else_saved(client, django_user_model, db):
    from tests.admin_forms import staff_user

    editor, writer = staff_user(django_user_model, "edna", "Editors"), staff_user(django_user_model, "walt", "Writers")
    article = make_live()
    client.force_login(editor)
    edit_draft(client, article)
    before = live_state(article)
    client.force_login(writer)
    form = client.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert "Discard the changes" not in form and "Compare with live" in form
    assert client.get(action_url(article, "discard")).status_code == 403
    assert client.post(action_url(article, "discard"), {"confirm": "yes"}).status_code == 403
    assert ArticleDraft.objects.get(article=article).saved_by == editor and live_state(article) == before
    # Their own changes they may drop.
    edit(client, article, title="The writer’s title")
    assert client.post(action_url(article, "discard"), {"confirm": "yes"}).status_code == 302
    assert not ArticleDraft.objects.exists()


def test_discarding_without_a_draft_says_so(editor, db):
    article = make_live()
    response = editor.get(action_url(article, "discard"), follow=True)
    assert "has no unpublished changes" in response.content.decode()


def publish_changes(client, *articles):
    return client.post(
        reverse(CHANGELIST),
        {"action": "publish_changes", "_selected_action": [a.pk for a in articles]},
        follow=True,
    )


def test_editors_publish_the_changes_of_several_articles_with_a_message_each(editor, db):
    first, second, broken, plain = make_live(), make_live(), make_live(), make_live()
    for article, title in [(first, "First changed"), (second, "Second changed"), (broken, "Broken changed")]:
        edit_draft(editor, article, title=title)
    # The broken one's draft has lost its meta description since (an older draft, say).
    draft = ArticleDraft.objects.get(article=broken)
    draft.snapshot["article"]["fields"]["meta_description"] = ""
    draft.save()
    html = publish_changes(editor, first, second, broken, plain).content.decode()
    assert f"“{first.title}” → “First changed”: published its changes" in html
    assert f"“{second.title}” → “Second changed”: published its changes" in html
    assert f"“{broken.title}”: not published: Add a meta description" in html
    assert "1 selected article(s) had no unpublished changes" in html
    assert set(ArticleDraft.objects.values_list("article", flat=True)) == {broken.pk}
    first.refresh_from_db()
    assert first.title == "First changed"


def test_writers_are_not_offered_the_bulk_publish(writer, db):
    article = make_live()
    edit_draft(writer, article)
    listing = writer.get(reverse(CHANGELIST)).content.decode()
    assert "publish_changes" not in listing
    publish_changes(writer, article)  # crafted
    assert ArticleDraft.objects.filter(article=article).exists()
    article.refresh_from_db()
    assert article.title != "Changed title"


def test_the_list_says_in_review_for_a_new_draft_under_review(editor, db):
    article = make_ready_draft(title="Never published")
    make_ready_draft(title="Not submitted")
    reviews.review_submit(article=article, user=get_user_model().objects.get(username="edna"))
    listing = editor.get(reverse(CHANGELIST)).content.decode()
    row = listing.split("Never published", 1)[1].split("</tr>", 1)[0]
    assert ">In review<" in row
    assert ">Draft<" in listing.split("Not submitted", 1)[1].split("</tr>", 1)[0]


def test_discarding_needs_a_login_and_change_permission(client, django_user_model, db):
    from django.contrib.auth.models import Permission

    article = make_live()
    ArticleDraft.objects.create(article=article, snapshot={"version": 1})
    url = action_url(article, "discard")
    assert client.get(url)["Location"].startswith("/admin/login/")
    assert client.post(url, {"confirm": "yes"})["Location"].startswith("/admin/login/")
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(reader)
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert ArticleDraft.objects.filter(article=article).exists()
