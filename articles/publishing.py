"""
What an article must have before readers see it, and what it should have.

Errors block publishing; warnings are shown and do not. The rules take plain
objects, so the admin can check what a form is about to save (unsaved rows)
and the "Publish" action can check what is in the database, with one wording.
Each message names the thing to fix.
"""

import logging

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.pagecache import bump_generation

from . import drafts
from .models import ArticleDraft, Review

logger = logging.getLogger(__name__)

META_DESCRIPTION_LIMIT = 160
PUBLISH_PERMISSION = "articles.publish_article"


class PublishingRefused(Exception):
    """The article breaks a publishing rule; `errors` says what to fix."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(errors))


class Problem(str):
    """A rule's message that also says where to fix it: `field` of `row` (None: of the article)."""

    def __new__(cls, message, field=None, row=None):
        problem = super().__new__(cls, message)
        problem.field, problem.row = field, row
        return problem


def can_publish(user) -> bool:
    """Return True if `user` may make articles public, take them down or restore revisions (Editors)."""
    return user.has_perm(PUBLISH_PERMISSION)


def article_publish(*, article, user, when=None) -> list[str]:
    """Make the saved `article` public at `when` (now by default); return the rules' warnings.

    The one place that publishes: the admin form, the bulk action and any later
    workflow call it. Raises PermissionDenied when `user` may not publish, and
    PublishingRefused (leaving the article as it was) when a rule is broken.
    """
    if not can_publish(user):
        raise PermissionDenied("Only Editors publish articles.")
    errors, found_warnings = problems(article)
    if errors:
        raise PublishingRefused(errors)
    article.status = article.Status.PUBLISHED
    article.published_at = when or timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    Review.objects.filter(article=article).delete()  # published: nothing waits for review
    return found_warnings


def article_unpublish(*, article, user) -> None:
    """Take `article` back to a draft: readers no longer see it.

    Unpublished changes it had become the draft's content (nobody reads those
    rows now), so they are neither lost nor left to reappear if it goes live again.
    """
    if not can_publish(user):
        raise PermissionDenied("Only Editors unpublish articles.")
    with transaction.atomic():
        article.status = article.Status.DRAFT
        article.save(update_fields=["status", "updated_at"])
        if (draft := ArticleDraft.objects.filter(article=article).first()) is not None:
            drafts.apply_snapshot(article, draft.snapshot)
            draft.delete()
            drafts.forget_due_time()


# Drafts of live articles (articles/drafts.py): one service per transition.


def article_draft_save(*, article, user, snapshot: dict) -> ArticleDraft:
    """Keep `snapshot` as the unpublished changes of the live `article`; readers still see the live rows.

    Anyone who may change the article saves a draft. A new save unschedules the
    draft: an Editor schedules what they have seen, not later edits.
    """
    draft, _created = ArticleDraft.objects.update_or_create(
        article=article,
        defaults={"snapshot": snapshot, "saved_by": user, "publish_at": None, "scheduled_by": None, "problem": ""},
    )
    drafts.forget_due_time()
    return draft


def draft_problems(article, draft) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the article as its draft would make it; nothing is written."""
    with transaction.atomic():
        drafts.apply_snapshot(article, draft.snapshot)
        found = problems(article)
        transaction.set_rollback(True)
    article.refresh_from_db()
    return found


def article_draft_publish(*, article, user) -> list[str]:
    """Replace the live content of `article` by its draft in one transaction; return the rules' warnings.

    Raises PermissionDenied unless `user` may publish, ArticleDraft.DoesNotExist
    without a draft, and PublishingRefused (nothing changed) when a rule is broken.
    """
    if not can_publish(user):
        raise PermissionDenied("Only Editors publish changes.")
    with transaction.atomic():
        draft = ArticleDraft.objects.select_for_update().get(article=article)
        found_warnings = _apply_draft(article, draft)
    return found_warnings


def _apply_draft(article, draft) -> list[str]:
    """Write `draft` over the live rows and delete it; PublishingRefused (rolled back) when a rule breaks."""
    with transaction.atomic(), reversion.create_revision():
        drafts.apply_snapshot(article, draft.snapshot)
        errors, found_warnings = problems(article)
        if errors:
            raise PublishingRefused(errors)
        # The published content is a revision, with its children, like an admin save.
        reversion.set_comment("Published the unpublished changes.")
        if draft.saved_by_id:
            reversion.set_user(draft.saved_by)
        reversion.add_to_revision(article)
        draft.delete()
        Review.objects.filter(article=article).delete()
    drafts.forget_due_time()
    return found_warnings


def can_discard(user, draft) -> bool:
    """Return True if `user` may drop `draft`: Editors any, Writers only changes they saved last."""
    return user.has_perm("articles.change_article") and (can_publish(user) or draft.saved_by_id == user.pk)


def article_draft_discard(*, article, user) -> None:
    """Drop the unpublished changes of `article`: the form shows the live version again.

    Writers discard only what they saved themselves: someone else's changes are
    theirs to keep until an Editor decides.
    """
    if not user.has_perm("articles.change_article"):
        raise PermissionDenied("You may not change articles.")
    draft = ArticleDraft.objects.filter(article=article).first()
    if draft is not None and not can_discard(user, draft):
        raise PermissionDenied("Only Editors discard changes someone else saved.")
    ArticleDraft.objects.filter(article=article).delete()
    Review.objects.filter(article=article).delete()
    drafts.forget_due_time()


def article_draft_schedule(*, article, user, when) -> list[str]:
    """Publish the draft of `article` by itself at `when` (a future time), or unschedule it (None).

    Editors only; refused (PublishingRefused) when the draft breaks a rule now.
    Nothing runs at that time: the first request after it applies the draft
    (publish_due_drafts, called by DraftPublishingMiddleware).
    """
    if not can_publish(user):
        raise PermissionDenied("Only Editors schedule changes.")
    with transaction.atomic():
        draft = ArticleDraft.objects.select_for_update().get(article=article)
        if when is not None:
            if when <= timezone.now():
                raise PublishingRefused(["Choose a time in the future, or publish the changes now."])
            errors, found_warnings = draft_problems(article, draft)
            if errors:
                raise PublishingRefused(errors)
        else:
            found_warnings = []
        draft.publish_at, draft.scheduled_by, draft.problem = when, (user if when else None), ""
        draft.save(update_fields=["publish_at", "scheduled_by", "problem", "saved_at"])
        # The page cache's generation records the next scheduled change (next_draft_time is one of
        # its sources): a new one knows this time, and pages cached until then are answered before
        # any middleware runs, so only its expiry brings the request that applies the draft.
        bump_generation()
    drafts.forget_due_time()
    return found_warnings


def publish_due_drafts() -> int:
    """Apply every scheduled draft whose time has come; return how many went live.

    Cheap when none is due: one read of the next due time from CACHES. Each
    draft is locked while it is applied, so two requests never apply one twice.
    A draft that breaks a rule by then (its product was deactivated, say) stays
    a draft, unscheduled, with the reason in `problem`.
    """
    due = drafts.due_time()
    if due is None or due > timezone.now().timestamp():
        return 0
    published = 0
    for draft_id in ArticleDraft.objects.due().values_list("pk", flat=True):
        with transaction.atomic():
            draft = ArticleDraft.objects.select_for_update().filter(pk=draft_id).due().first()
            if draft is None:
                continue  # another request applied it
            try:
                _apply_draft(draft.article, draft)
            except PublishingRefused as refused:
                logger.warning("Scheduled changes to %r were not published: %s", draft.article.title, refused)
                draft.publish_at, draft.problem = None, str(refused)
                draft.save(update_fields=["publish_at", "problem"])
                continue
            published += 1
    drafts.forget_due_time()
    return published


def is_meaningful_alt(alt: str, image) -> bool:
    """The same rule the models' clean() applies (a library image's alt_problem()): the use's text, or the
    image's default when the use has none."""
    return image.alt_problem(alt) is None


def article_errors(article) -> list[str]:
    errors = []
    if not article.title.strip():
        errors.append(Problem("Add a title.", "title"))
    if not article.meta_description.strip():
        errors.append(
            Problem(
                "Add a meta description (Search engines section): search results show it under the title.",
                "meta_description",
            )
        )
    if article.hero_image and not is_meaningful_alt(article.hero_alt, article.hero_image):
        errors.append(Problem("Describe the hero image in its alt text (what it shows, not a file name).", "hero_alt"))
    return errors


def section_errors(sections) -> list[str]:
    """`sections` in page order."""
    errors = []
    seen_h2 = False
    for position, section in enumerate(sections, start=1):
        label = f"Section {position} “{section.heading}”"
        if section.level == 3 and not seen_h2:
            errors.append(
                Problem(
                    f"{label} is a subheading (h3) before any heading (h2): make it an h2 or move it down.",
                    "level",
                    section,
                )
            )
        seen_h2 = seen_h2 or section.level == 2
        if section.figure_image and not is_meaningful_alt(section.figure_alt, section.figure_image):
            errors.append(
                Problem(
                    f"{label}: describe its figure in the alt text (what it shows, not a file name).",
                    "figure_alt",
                    section,
                )
            )
    return errors


def card_errors(cards) -> list[str]:
    return [
        Problem(
            f"The card for “{card.product}” points at a product that is no longer active: remove the card or pick another product.",
            "product",
            card,
        )
        for card in cards
        if card.product_id and not card.product.is_active
    ]


def warnings(article, *, takeaways: int, faqs: int, cards: int) -> list[str]:
    found = []
    length = len(article.meta_description.strip())
    if length > META_DESCRIPTION_LIMIT:
        found.append(
            f"The meta description has {length} characters; search engines cut it after about {META_DESCRIPTION_LIMIT}."
        )
    if not takeaways:
        found.append("There are no key takeaways.")
    if not faqs:
        found.append("There is no FAQ.")
    if not cards:
        found.append("No product card recommends a product in this article.")
    return found


def problems(article) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a saved article as the database has it."""
    sections = list(article.sections.all())
    cards = list(article.product_cards.select_related("product"))
    errors = article_errors(article) + section_errors(sections) + card_errors(cards)
    return errors, warnings(article, takeaways=article.takeaways.count(), faqs=article.faqs.count(), cards=len(cards))
