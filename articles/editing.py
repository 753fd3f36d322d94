"""
Who is editing an article, and the rule that refuses a save over someone else's newer one.

Presence is a row per (article, user) in the database (EditPresence), touched
when the change form opens and by its heartbeat or autosave; a row older than
EDIT_PRESENCE_SECONDS means its user has left. Nothing lives in a process.

A change form carries the version of what it was loaded from
(`edit_version()`: the later of the article's and its draft's save times). A
save posting an older version is refused when the newer save was not the
user's own; the form then carries the current version, so saving again
replaces the other person's version knowingly.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .models import Article, ArticleDraft, EditPresence


@dataclass(frozen=True)
class EditConflict:
    """The article changed since the form was loaded: `by` saved it (None: unknown) at `at`."""

    by: object
    at: object
    version: str


def edit_version(article_id) -> str:
    """The version of the article's content as staff edit it: its own or its draft's last save, the later."""
    row = Article.objects.filter(pk=article_id).values_list("updated_at", "draft__saved_at").first()
    if row is None:
        return ""
    return max(when for when in row if when is not None).isoformat()


def editing_touch(*, article, user, saved_version: str | None = None) -> None:
    """Record that `user` has the change form of `article` open now (and, after a save, what it saved)."""
    defaults = {"seen_at": timezone.now()}
    if saved_version is not None:
        defaults["saved_version"] = saved_version
    EditPresence.objects.update_or_create(article=article, user=user, defaults=defaults)


def editing_leave(*, article, user) -> None:
    """`user` closed the change form: others stop seeing them as editing (what they saved is kept)."""
    EditPresence.objects.filter(article=article, user=user).update(seen_at=timezone.now() - timedelta(days=1))


def others_editing(article, user) -> list[EditPresence]:
    """Presence rows of the other people with the change form of `article` open, latest first."""
    return list(EditPresence.objects.active().filter(article=article).exclude(user=user).select_related("user"))


def edit_conflict(*, article, user, loaded_version: str) -> EditConflict | None:
    """None when `user` may save over the article's current version, having loaded `loaded_version`."""
    current = edit_version(article.pk)
    if not loaded_version or loaded_version == current:
        return None
    saver = EditPresence.objects.filter(article=article, saved_version=current).select_related("user").first()
    by = saver.user if saver else None
    if by is None:
        draft = ArticleDraft.objects.filter(article=article).select_related("saved_by").first()
        if draft is not None and draft.saved_at.isoformat() == current:
            by = draft.saved_by
    if by is not None and by.pk == user.pk:
        return None  # their own newer save, from another window or an autosave the form has not heard of
    return EditConflict(by=by, at=datetime.fromisoformat(current), version=current)
