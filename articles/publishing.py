"""
What an article must have before readers see it, and what it should have.

Errors block publishing; warnings are shown and do not. The rules take plain
objects, so the admin can check what a form is about to save (unsaved rows)
and the "Publish" action can check what is in the database, with one wording.
Each message names the thing to fix.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.images import alt_text_problem

META_DESCRIPTION_LIMIT = 160
PUBLISH_PERMISSION = "articles.publish_article"


class PublishingRefused(Exception):
    """The article breaks a publishing rule; `errors` says what to fix."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(errors))


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
    return found_warnings


def article_unpublish(*, article, user) -> None:
    """Take `article` back to a draft: readers no longer see it."""
    if not can_publish(user):
        raise PermissionDenied("Only Editors unpublish articles.")
    article.status = article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])


def is_meaningful_alt(alt: str, field_file) -> bool:
    """The same rule the models' clean() applies (images.alt_text_problem)."""
    return alt_text_problem(alt, field_file.name) is None


def article_errors(article) -> list[str]:
    errors = []
    if not article.title.strip():
        errors.append("Add a title.")
    if not article.meta_description.strip():
        errors.append("Add a meta description (Search engines section): search results show it under the title.")
    if article.hero_image and not is_meaningful_alt(article.hero_alt, article.hero_image):
        errors.append("Describe the hero image in its alt text (what it shows, not a file name).")
    return errors


def section_errors(sections) -> list[str]:
    """`sections` in page order."""
    errors = []
    seen_h2 = False
    for position, section in enumerate(sections, start=1):
        label = f"Section {position} “{section.heading}”"
        if section.level == 3 and not seen_h2:
            errors.append(f"{label} is a subheading (h3) before any heading (h2): make it an h2 or move it down.")
        seen_h2 = seen_h2 or section.level == 2
        if section.figure_image and not is_meaningful_alt(section.figure_alt, section.figure_image):
            errors.append(f"{label}: describe its figure in the alt text (what it shows, not a file name).")
    return errors


def card_errors(cards) -> list[str]:
    return [
        f"The card for “{card.product}” points at a product that is no longer active: remove the card or pick another product."
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
