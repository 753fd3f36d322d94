"""
Slugs that URLs can be built from.

`<slug:slug>` in our URL patterns accepts `[-a-zA-Z0-9_]+` only, so a row saved
with an empty slug, or one in another script, makes every page that links to it
fail with NoReverseMatch. Names are transliterated to ASCII first (`Боль в
колене` gives `bol-v-kolene`, `Ärger` gives `arger`); a name with nothing left to
keep (`!!!`) gets a numbered fallback such as `topic-2`.
"""

import re

from anyascii import anyascii
from django.core.exceptions import ValidationError
from django.urls.converters import SlugConverter
from django.utils.text import slugify

URL_SLUG = re.compile(rf"\A{SlugConverter.regex}\Z")


def slug_problem(value) -> str | None:
    """Why `value` cannot be a slug in our URLs, or None when it can."""
    if not isinstance(value, str):
        return f"The slug must be text, not {type(value).__name__}."
    if not value:
        return "The slug is empty: use letters a-z, digits, hyphens and underscores."
    if not URL_SLUG.match(value):
        return f"The slug “{value[:60]}” may hold only letters a-z, digits, hyphens and underscores."
    return None


def check_slug(instance, field: str = "slug") -> None:
    """For a model's save(): refuse a slug no URL can be built from (the admin's forms check it before)."""
    problem = slug_problem(getattr(instance, field))
    if problem:
        raise ValidationError({field: problem})


def make_slug(text: str, max_length: int) -> str:
    """`text` transliterated to ASCII and slugified, at most max_length long; may be empty."""
    return slugify(anyascii(text or ""))[:max_length].strip("-_")


def unique_slug(text: str, taken, max_length: int, fallback: str) -> str:
    """A slug for `text` not in `taken` (a set, or a callable answering "is it taken?").

    Duplicates get -2, -3…; text with no letter or digit to keep gets `fallback`, numbered the same way.
    """
    is_taken = taken if callable(taken) else taken.__contains__
    base = make_slug(text, max_length - 6) or fallback
    slug, number = base, 2
    while is_taken(slug):
        slug, number = f"{base}-{number}", number + 1
    return slug
