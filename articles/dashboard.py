"""The articles' blocks of the admin dashboard (core/dashboard.py): drafts, reviews, what goes live next and what did."""

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse

from core.dashboard import Block, Item, register

from .models import Article, ArticleDraft, Review
from .publishing import can_publish

SHOWN = 5


def local_time(value):
    # The admin's own wording of a time (zone named); imported late: app loading must not import the admin.
    from .admin.display import local_time

    return local_time(value)


def _change_url(article_id):
    return reverse("admin:articles_article_change", args=[article_id])


def _may_view(user):
    return user.has_perm("articles.view_article") or user.has_perm("articles.change_article")


@register(10)
def my_drafts(request):
    """Drafts the viewer saved last (autosaves too), and live articles whose unpublished changes they saved last.

    One query on the articles' own columns, however long the admin log grows.
    """
    user = request.user
    if not user.has_perm("articles.change_article"):
        return None
    articles = (
        Article.objects.filter(Q(status=Article.Status.DRAFT, last_edited_by=user) | Q(draft__saved_by=user))
        .select_related("draft", "review")
        .only("title", "status", "updated_at", "draft__saved_at", "review__state")
        .annotate(saved_at=Coalesce("draft__saved_at", "updated_at"))
        .order_by("-saved_at", "-pk")[:SHOWN]
    )
    items = []
    for article in articles:
        review = getattr(article, "review", None)
        state = (
            review.get_state_display() if review else ("Draft" if article.status == "draft" else "Unpublished changes")
        )
        items.append(Item(article.title, _change_url(article.pk), f"{state} · saved {local_time(article.saved_at)}"))
    changelist = reverse("admin:articles_article_changelist")
    return Block(
        "My drafts",
        items,
        empty="No drafts of yours.",
        more_url=f"{changelist}?status__exact=draft",
        more_label="All drafts",
    )


@register(20)
def awaiting_review(request):
    """Editors: the review queue. Writers: their drafts an Editor sent back."""
    user = request.user
    if not user.has_perm("articles.change_article"):
        return None
    changelist = reverse("admin:articles_article_changelist")
    if can_publish(user):
        reviews = Review.objects.filter(state=Review.State.IN_REVIEW)
        title, empty, more = "Awaiting my review", "Nothing waits for review.", f"{changelist}?review=in_review"
        more_label = "Review queue"
    else:
        reviews = Review.objects.filter(state=Review.State.CHANGES_REQUESTED, submitted_by=user)
        title, empty, more = "Changes asked of me", "No draft of yours was sent back.", ""
        more_label = ""
    found = reviews.select_related("article", "submitted_by").only(
        "updated_at", "article__title", "submitted_by__username"
    )
    items = [
        Item(
            review.article.title,
            _change_url(review.article_id),
            f"{'by ' + review.submitted_by.get_username() + ' · ' if review.submitted_by else ''}"
            f"{local_time(review.updated_at)}",
        )
        for review in found.order_by("updated_at", "pk")[:SHOWN]
    ]
    return Block(title, items, empty=empty, more_url=more, more_label=more_label)


@register(30)
def scheduled_next(request):
    """Articles and changes to live articles that go live by themselves, soonest first."""
    if not _may_view(request.user):
        return None
    articles = Article.objects.scheduled().only("title", "published_at").order_by("published_at", "pk")[:SHOWN]
    changes = (
        ArticleDraft.objects.scheduled()
        .select_related("article")
        .only("publish_at", "article__title")
        .order_by("publish_at", "pk")[:SHOWN]
    )
    upcoming = sorted(
        [(a.published_at, a.title, a.pk, "goes live") for a in articles]
        + [(d.publish_at, d.article.title, d.article_id, "changes go live") for d in changes]
    )[:SHOWN]
    items = [Item(title, _change_url(pk), f"{what} {local_time(when)}") for when, title, pk, what in upcoming]
    return Block("Scheduled next", items, empty="Nothing is scheduled.")


@register(40)
def recently_published(request):
    if not _may_view(request.user):
        return None
    articles = Article.objects.published().only("title", "published_at").order_by("-published_at", "-pk")[:SHOWN]
    items = [Item(a.title, _change_url(a.pk), f"published {local_time(a.published_at)}") for a in articles]
    return Block(
        "Recently published",
        items,
        empty="Nothing published yet.",
        more_url=reverse("admin:articles_article_changelist"),
        more_label="All articles",
    )
