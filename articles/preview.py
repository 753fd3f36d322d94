"""
Shareable preview links: a signed, expiring token naming one article.

Anyone holding the link sees the article as it is *now* (later edits show up)
until the link expires; there is no list of links to revoke, so keep the
lifetime short (ARTICLE_PREVIEW_LINK_DAYS).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.links import absolute_url

SALT = "articles.preview"


def max_age_days() -> int:
    return settings.ARTICLE_PREVIEW_LINK_DAYS


def share_url(article) -> str:
    token = signing.TimestampSigner(salt=SALT).sign(str(article.pk))
    return absolute_url(reverse("articles:shared-preview", kwargs={"token": token}))


def article_id_from_token(token: str) -> int | None:
    """The article id the token names, or None when it is forged, altered or expired."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age_days() * 24 * 3600)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return int(value) if value.isdigit() else None
