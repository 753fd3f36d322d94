"""The review of a draft: submit, comment, request changes, approve and publish; each step mails the other side."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles import reviews
from articles.models import Article, ArticleDraft, Review, ReviewComment
from tests.admin_forms import form_data, staff_user
from tests.factories import make_ready_draft
from tests.test_multiprocess import smtp_inbox  # noqa: F401 -- the aiosmtpd fixture

CHANGE = "admin:articles_article_change"


@pytest.fixture
def people(client, django_user_model):
    """A Writer and an Editor (with addresses), and the client; `people.as_(user)` logs the client in."""

    class People:
        writer = staff_user(django_user_model, "walt", "Writers")
        editor = staff_user(django_user_model, "edna", "Editors")

        def as_(self, user):
            client.force_login(user)
            return client

    return People()


def review(client, article, action, text=""):
    return client.post(reverse("admin:articles_article_review", args=[article.pk]), {"action": action, "text": text})


def test_a_writer_submits_editors_are_mailed_and_see_the_queue(
    people, db, mailoutbox, django_capture_on_commit_callbacks
):
    article = make_ready_draft(title="New guide")
    make_ready_draft(title="Not submitted")
    with django_capture_on_commit_callbacks(execute=True):
        response = review(people.as_(people.writer), article, "submit", "Ready, I think.")
    assert response.status_code == 302
    assert Review.objects.get(article=article).state == Review.State.IN_REVIEW
    (mail,) = mailoutbox
    assert mail.to == ["edna@example.com"] and "submitted for review" in mail.subject
    assert "Ready, I think." in mail.body and f"/admin/articles/article/{article.pk}/change/" in mail.body

    client = people.as_(people.editor)
    index = client.get(reverse("admin:index")).content.decode()
    assert "?review=in_review" in index
    queue = client.get(reverse("admin:articles_article_changelist") + "?review=in_review")
    assert "New guide" in queue.content.decode() and ">In review<" in queue.content.decode()
    assert "Not submitted" not in queue.content.decode()
    form = client.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert "Ready, I think." in form and "walt" in form and "Approve and publish" in form and "UTC" in form


def test_a_writer_posting_approve_or_request_changes_is_refused(people, db):
    article = make_ready_draft()
    writer = people.as_(people.writer)
    review(writer, article, "submit")
    assert review(writer, article, "approve").status_code == 403
    assert review(writer, article, "request_changes", "Sneaky").status_code == 403
    assert "Approve and publish" not in writer.get(reverse(CHANGE, args=[article.pk])).content.decode()
    assert Review.objects.get(article=article).state == Review.State.IN_REVIEW
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_changes_requested_then_resubmitted_then_approved(people, db, mailoutbox, django_capture_on_commit_callbacks):
    article = make_ready_draft()
    with django_capture_on_commit_callbacks(execute=True):
        review(people.as_(people.writer), article, "submit")
        editor = people.as_(people.editor)
        assert review(editor, article, "request_changes", "").status_code == 302  # refused: no reason
        assert Review.objects.get().state == Review.State.IN_REVIEW
        review(editor, article, "request_changes", "Add a second FAQ.")
    assert Review.objects.get().state == Review.State.CHANGES_REQUESTED
    assert mailoutbox[-1].to == ["walt@example.com"] and "Add a second FAQ." in mailoutbox[-1].body
    assert review(editor, article, "approve").status_code == 302  # not in review: nothing happens
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        writer = people.as_(people.writer)
        assert ">Changes requested<" in writer.get(reverse("admin:articles_article_changelist")).content.decode()
        review(writer, article, "submit", "Added it.")
        review(people.as_(people.editor), article, "approve", "Thanks!")
    article.refresh_from_db()
    assert article.is_published() and not Review.objects.exists()
    assert mailoutbox[-1].to == ["walt@example.com"] and "approved and published" in mailoutbox[-1].subject
    steps = list(ReviewComment.objects.values_list("action", "author__username"))
    assert steps == [
        ("submitted", "walt"),
        ("changes_requested", "edna"),
        ("submitted", "walt"),
        ("approved", "edna"),
    ]


def test_approving_a_live_articles_changes_publishes_the_draft(people, db):
    article = make_ready_draft(status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(days=1))
    writer = people.as_(people.writer)
    response = review(writer, article, "submit")
    assert "nothing to review" in writer.get(response.url).content.decode()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(writer.get(url)) | {"title": "Reviewed title"}
    writer.post(url, data)
    review(writer, article, "submit")
    assert "Live + changes in review" in writer.get(reverse("admin:articles_article_changelist")).content.decode()
    review(people.as_(people.editor), article, "approve")
    assert Article.objects.get(pk=article.pk).title == "Reviewed title"
    assert not ArticleDraft.objects.exists() and not Review.objects.exists()


def test_approval_refused_by_a_rule_leaves_the_review_open(people, db):
    article = make_ready_draft(meta_description="")
    review(people.as_(people.writer), article, "submit")
    response = review(people.as_(people.editor), article, "approve")
    assert "Add a meta description" in people.as_(people.editor).get(response.url).content.decode()
    assert Review.objects.get().state == Review.State.IN_REVIEW
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_comments_are_kept_with_author_and_time_and_empty_ones_refused(
    people, db, mailoutbox, django_capture_on_commit_callbacks
):
    article = make_ready_draft()
    with django_capture_on_commit_callbacks(execute=True):
        review(people.as_(people.writer), article, "submit")
        review(people.as_(people.editor), article, "comment", "Is the second heading right?")
        review(people.as_(people.writer), article, "comment", "   ")
        review(people.as_(people.writer), article, "comment", "Yes, on purpose.")
    comments = list(ReviewComment.objects.filter(action="commented").values_list("author__username", "text"))
    assert comments == [("edna", "Is the second heading right?"), ("walt", "Yes, on purpose.")]
    assert [m.to for m in mailoutbox] == [["edna@example.com"], ["walt@example.com"], ["edna@example.com"]]
    assert ReviewComment.objects.first().created_at is not None


def test_review_posts_need_a_login_post_and_a_known_action(people, client, db):
    article = make_ready_draft()
    url = reverse("admin:articles_article_review", args=[article.pk])
    assert "/admin/login/" in client.post(url, {"action": "submit"}).url
    writer = people.as_(people.writer)
    assert writer.get(url).status_code == 405
    response = writer.post(url, {"action": "publish-everything"}, follow=True)
    assert "Choose what to do with the review." in response.content.decode()
    assert writer.post(reverse("admin:articles_article_review", args=[99999]), {"action": "submit"}).status_code == 403
    assert not Review.objects.exists()


def test_mail_goes_to_every_editor_but_never_to_the_author(db, django_user_model):
    writer = staff_user(django_user_model, "walt", "Writers")
    editors = [staff_user(django_user_model, name, "Editors") for name in ("edna", "eric")]
    get_user_model().objects.filter(username="eric").update(is_active=False)
    article = make_ready_draft()
    reviews.review_submit(article=article, user=writer)
    submitted = ReviewComment.objects.get()
    assert reviews.recipients(submitted) == ["edna@example.com"]
    comment = reviews.review_comment(article=article, user=editors[0], text="Hm.")
    assert reviews.recipients(comment) == ["walt@example.com"]


def test_review_mail_reaches_a_real_smtp_server(
    db, settings, request, django_user_model, django_capture_on_commit_callbacks
):
    inbox = request.getfixturevalue("smtp_inbox")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    writer = staff_user(django_user_model, "walt", "Writers")
    staff_user(django_user_model, "edna", "Editors")
    article = make_ready_draft(title="Over the wire")
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_submit(article=article, user=writer, text="Please look.")
    (message,) = inbox.to("edna@example.com")
    assert b"Please look." in message and b"walt: Submitted for review." in message
