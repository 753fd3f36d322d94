"""Discarding a draft asks first."""

from django.urls import reverse

from articles.models import ArticleDraft
from tests.articles.test_drafts import action_url, edit, edit_draft, live_state, make_live

CHANGE = "admin:articles_article_change"


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
