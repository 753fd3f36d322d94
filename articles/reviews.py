"""
The review of a draft: a Writer submits it, Editors comment, ask for changes, or approve and publish.

One service per transition. Each records a ReviewComment (who, when, what)
and, once its transaction commits, mails the other side through the task
queue: Editors hear of a submission and of a Writer's comment; the Writer who
submitted hears of an Editor's comment, request or approval.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django_tasks import task

from core.links import absolute_url
from core.mail import unsuppressed

from .models import Article, ArticleDraft, Review, ReviewComment
from .publishing import PUBLISH_PERMISSION, article_draft_publish, article_publish, can_publish

Action = ReviewComment.Action


class ReviewRefused(Exception):
    """The step does not fit where the review stands; the message says why."""


def _may_change(user):
    if not user.has_perm("articles.change_article"):
        raise PermissionDenied("You may not change articles.")


def _record(article, user, action, text) -> ReviewComment:
    comment = ReviewComment.objects.create(article=article, author=user, action=action, text=text.strip())
    transaction.on_commit(lambda: send_review_email.enqueue(comment.pk))
    return comment


def _has_draft(article) -> bool:
    return article.status == Article.Status.DRAFT or ArticleDraft.objects.filter(article=article).exists()


def review_submit(*, article, user, text: str = "") -> Review:
    """Ask Editors to review the draft of `article` (a new article, or a live one's unpublished changes)."""
    _may_change(user)
    if not _has_draft(article):
        raise ReviewRefused("There is nothing to review: save your changes first.")
    with transaction.atomic():
        review, _created = Review.objects.update_or_create(
            article=article, defaults={"state": Review.State.IN_REVIEW, "submitted_by": user}
        )
        _record(article, user, Action.SUBMITTED, text)
    return review


def review_comment(*, article, user, text: str) -> ReviewComment:
    """Add a comment to the review of `article`; whoever may change it may comment."""
    _may_change(user)
    if not text.strip():
        raise ReviewRefused("Write a comment first.")
    with transaction.atomic():
        return _record(article, user, Action.COMMENTED, text)


def _open_review(article) -> Review:
    review = Review.objects.select_for_update().filter(article=article, state=Review.State.IN_REVIEW).first()
    if review is None:
        raise ReviewRefused("This article is not waiting for review.")
    return review


def review_request_changes(*, article, user, text: str) -> Review:
    """Send the draft back to its Writer with what to change (Editors only)."""
    if not can_publish(user):
        raise PermissionDenied("Only Editors review articles.")
    if not text.strip():
        raise ReviewRefused("Say what should change.")
    with transaction.atomic():
        review = _open_review(article)
        review.state = Review.State.CHANGES_REQUESTED
        review.save(update_fields=["state", "updated_at"])
        _record(article, user, Action.CHANGES_REQUESTED, text)
    return review


def review_approve(*, article, user, text: str = "") -> list[str]:
    """Approve the draft under review and publish it now (Editors only); return the rules' warnings.

    A live article's unpublished changes replace its live content; a new article
    goes public. PublishingRefused leaves everything as it was.
    """
    if not can_publish(user):
        raise PermissionDenied("Only Editors review articles.")
    with transaction.atomic():
        _open_review(article)
        if article.status == Article.Status.DRAFT:
            found_warnings = article_publish(article=article, user=user)
        else:
            found_warnings = article_draft_publish(article=article, user=user)
        # Publishing closed the review (`review` is gone); the approval stays in the comments.
        _record(article, user, Action.APPROVED, text)
    return found_warnings


def recipients(comment) -> list[str]:
    """Who hears of `comment`: the Writer who submitted, or the Editors (never its own author)."""
    review = Review.objects.filter(article_id=comment.article_id).select_related("submitted_by").first()
    submitter = review.submitted_by if review else None
    if submitter is None and comment.action == Action.APPROVED:
        earlier = ReviewComment.objects.filter(article_id=comment.article_id, action=Action.SUBMITTED)
        submitter = getattr(earlier.select_related("author").last(), "author", None)
    to_editors = comment.author is None or not can_publish(comment.author)
    if to_editors:
        users = (
            get_user_model()
            .objects.filter(
                Q(groups__permissions__codename=PUBLISH_PERMISSION.split(".")[1])
                | Q(user_permissions__codename=PUBLISH_PERMISSION.split(".")[1])
                | Q(is_superuser=True),
                is_active=True,
                is_staff=True,
            )
            .distinct()
        )
    else:
        users = [submitter] if submitter else []
    return sorted({u.email for u in users if u.email and u != comment.author})


@task()
def send_review_email(comment_id: int) -> int:
    """Mail the other side of a review step; return how many people it went to."""
    comment = ReviewComment.objects.select_related("article", "author").filter(pk=comment_id).first()
    if comment is None:
        return 0
    # An address the newsletter's mail provider reported as bouncing or complaining gets nothing.
    to = unsuppressed(recipients(comment))
    if not to:
        return 0
    who = comment.author.get_username() if comment.author else "Someone"
    link = absolute_url(reverse("admin:articles_article_change", args=[comment.article_id]))
    body = f"{who}: {comment.get_action_display()}.\n\n{comment.text}\n\nOpen the article: {link}\n".replace(
        "\n\n\n", "\n\n"
    )
    EmailMessage(f"“{comment.article.title}”: {comment.get_action_display().lower()}", body, to=to).send()
    return len(to)
