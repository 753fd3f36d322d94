"""
Article views, counted in each process and written to ArticleDailyViews in batches.

Article pages are mostly served from the page cache, where no view function
runs, so ArticleViewMiddleware sits outside PageCacheMiddleware and counts
both hits and misses. A view costs one addition to a dict in this process:
no database write and no shared-cache round trip. The request that brings
the batch to ARTICLE_VIEWS_FLUSH_EVERY views, or that comes
ARTICLE_VIEWS_FLUSH_SECONDS after the last flush, writes it: one query to
find the articles by slug, then one UPDATE ... views = views + n per article
and day (an INSERT for a new day). A clean exit flushes too.

The trade-off: a process that crashes or is killed loses the views it has
not flushed yet, at most one batch. Views by bots (the User-Agent rule of
products/links.py) and by staff (logged in, e.g. previewing) are not counted.
"""

import atexit
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from .links import looks_like_bot

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: Counter = Counter()  # (article slug, day) -> views not yet written
_last_flush = time.monotonic()


def pending() -> dict:
    """This process's views not yet written, {(slug, day): views}."""
    with _lock:
        return dict(_pending)


def discard() -> None:
    """Forget this process's unwritten views (tests start from nothing)."""
    global _last_flush
    with _lock:
        _pending.clear()
        _last_flush = time.monotonic()


def count_view(slug: str) -> None:
    """Count one view of the article with this slug today; write the batch when it is due."""
    every, seconds = settings.ARTICLE_VIEWS_FLUSH_EVERY, settings.ARTICLE_VIEWS_FLUSH_SECONDS
    with _lock:
        _pending[(slug, timezone.localdate())] += 1
        due = (every and _pending.total() >= every) or (seconds and time.monotonic() - _last_flush >= seconds)
    if due:
        flush()


def flush() -> int:
    """Write this process's unwritten views; return how many. Views that cannot be written are dropped (logged)."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    from articles.models import Article

    from .services import article_views_add

    try:
        ids = dict(Article.objects.filter(slug__in={slug for slug, _ in batch}).values_list("slug", "pk"))
        with transaction.atomic():
            # A fixed order: two processes flushing at once take row locks in the same order.
            for (slug, day), views in sorted(batch.items()):
                if slug in ids:
                    article_views_add(article_id=ids[slug], day=day, views=views)
    except DatabaseError:
        logger.exception("Could not write %d article views", sum(batch.values()))
        return 0
    return sum(batch.values())


@atexit.register
def _flush_at_exit():
    try:
        flush()
    except Exception:  # the database may be gone at exit; nothing to do about it then
        logger.exception("Could not write article views at exit")


class ArticleViewMiddleware:
    """Counts readers' views of article pages, page-cache hits included. Goes before PageCacheMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        response = self.get_response(request)
        # 304: a browser showing its copy again after revalidating, still a view.
        if request.method == "GET" and response.status_code in (200, 304):
            slug = self._article_slug(request)
            if slug and not looks_like_bot(request.headers.get("User-Agent", "")) and not _is_staff(request):
                count_view(slug)
        return response

    def _article_slug(self, request):
        if self.prefix is None:
            self.prefix = reverse("articles:index")
        if not request.path_info.startswith(self.prefix):
            return None
        # A page-cache hit never reached URL resolution: resolve here.
        match = getattr(request, "resolver_match", None)
        if match is None:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return None
        return match.kwargs.get("slug") if match.view_name == "articles:detail" else None


def _is_staff(request) -> bool:
    # Only a visitor with a session cookie can be logged in (and such a visitor bypasses the page cache).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_staff)
