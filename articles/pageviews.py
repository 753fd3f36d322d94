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
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Sum
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from core.cacheguard import CacheUnavailable, guarded
from core.visitors import is_staff_visit, looks_like_bot

logger = logging.getLogger(__name__)
cache = guarded("default")

# The 500 page's "Popular articles" live in the cache, so that page renders without the
# database (which may be what failed). Refreshed after each flush and when articles change.
POPULAR_KEY = "articles:popular-articles"
POPULAR_COUNT = 5
POPULAR_DAYS = 30

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


# (TIME_ZONE, from, until, the local date then): today's date, for at most a minute and never past midnight.
_today: tuple = (None, 0.0, 0.0, None)


def _local_date() -> date:
    """timezone.localdate() in TIME_ZONE, worked out about once a minute instead of for every view (1.5 µs,
    a tenth of what a page-cache hit costs). Worked out again when the clock goes back (tests travel)."""
    global _today
    zone, since, until, day = _today
    now = time.time()
    if zone == settings.TIME_ZONE and since <= now < until:
        return day
    tz = timezone.get_default_timezone()
    day = datetime.fromtimestamp(now, tz).date()
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).timestamp()
    _today = (settings.TIME_ZONE, now, min(midnight, now + 60), day)
    return day


def count_view(slug: str, *, in_request_cycle: bool = True) -> None:
    """Count one view of the article with this slug today; write the batch when it is due.

    Outside Django's request cycle (a hit answered by core.pagecache.PageCacheApplication),
    connections past their age or broken are closed first, as request_started does.
    """
    every, seconds = settings.ARTICLE_VIEWS_FLUSH_EVERY, settings.ARTICLE_VIEWS_FLUSH_SECONDS
    day = _local_date()
    with _lock:
        _pending[(slug, day)] += 1
        due = (every and _pending.total() >= every) or (seconds and time.monotonic() - _last_flush >= seconds)
    if due:
        if not in_request_cycle:
            close_old_connections()
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
    from products.services import article_views_add

    try:
        ids = dict(Article.objects.filter(slug__in={slug for slug, _ in batch}).values_list("slug", "pk"))
        with transaction.atomic():
            # A fixed order: two processes flushing at once take row locks in the same order.
            for (slug, day), views in sorted(batch.items()):
                if slug in ids:
                    article_views_add(article_id=ids[slug], day=day, views=views)
        refresh_popular_articles()
    except DatabaseError:
        logger.exception("Could not write %d article views", sum(batch.values()))
        return 0
    return sum(batch.values())


def refresh_popular_articles(**kwargs) -> list[dict]:
    """Cache the most viewed published articles of the last 30 days, the newest after them. Usable as a signal receiver."""
    from articles.models import Article

    since = timezone.localdate() - timedelta(days=POPULAR_DAYS - 1)
    published = Article.objects.published().only("title", "slug")
    articles = list(
        published.filter(daily_views__day__gte=since)
        .annotate(recent_views=Sum("daily_views__views"))
        .order_by("-recent_views", "-published_at")[:POPULAR_COUNT]
    )
    if len(articles) < POPULAR_COUNT:
        newest = published.exclude(pk__in=[a.pk for a in articles]).order_by("-published_at", "-pk")
        articles += list(newest[: POPULAR_COUNT - len(articles)])
    popular = [{"title": article.title, "url": article.get_absolute_url()} for article in articles]
    try:
        cache.set(POPULAR_KEY, popular, None)
    except CacheUnavailable:
        pass  # the 500 page shows no list until the next refresh
    return popular


def popular_articles() -> list[dict]:
    """The cached list, [{"title", "url"}], or [] (never a database query, never an error)."""
    try:
        return cache.get(POPULAR_KEY) or []
    except CacheUnavailable:  # the cache may be what failed (logged once by the guard)
        return []


def refresh_popular_articles_on_commit(**kwargs):
    """An article was saved or deleted: refresh the list once its transaction commits."""
    transaction.on_commit(_refresh_quietly)


def _refresh_quietly():
    try:
        refresh_popular_articles()
    except DatabaseError:
        logger.exception("Could not refresh the popular articles")


@atexit.register
def _flush_at_exit():
    try:
        flush()
    except Exception:  # the database may be gone at exit; nothing to do about it then
        logger.exception("Could not write article views at exit")


def _by_a_reader(request) -> bool:
    """A GET by a person who is not staff (bots by the User-Agent rule of products/links.py)."""
    return (
        request.method == "GET"
        and not looks_like_bot(request.META.get("HTTP_USER_AGENT", ""))
        and not is_staff_visit(request)
    )


def count_page_cache_hit(request, view_name, kwargs):
    """core.pagecache.PageCacheApplication answered `request` (200 or 304) before any middleware
    ran, with the page stored by a request that matched `view_name`."""
    if view_name == "articles:detail" and _by_a_reader(request):
        count_view(kwargs["slug"], in_request_cycle=False)


class ArticleViewMiddleware:
    """Counts readers' views of article pages, page-cache hits included. Goes before PageCacheMiddleware;
    hits that PageCacheApplication answers before Django runs are counted by count_page_cache_hit()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # 304: a browser showing its copy again after revalidating, still a view.
        if response.status_code in (200, 304) and _by_a_reader(request):
            slug = self._article_slug(request)
            if slug:
                count_view(slug)
        return response

    def _article_slug(self, request):
        if not request.path_info.startswith(reverse("articles:index")):
            return None
        # A page-cache hit ran no view, so nothing resolved its URL yet (about 12 µs here).
        match = request.resolver_match or _resolve(request.path_info)
        return match.kwargs.get("slug") if match and match.view_name == "articles:detail" else None


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None
