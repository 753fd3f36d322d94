"""
The public page cache: anonymous GETs of opted-in pages, never stale.

Every cached page is stored under the current *content generation*, a token
kept in the cache itself. Saving or deleting any content model replaces the
token once the transaction commits, so the next request misses and renders
afresh: invalidation is exact, not a time-out. Scheduled articles need no
save: the generation also records the next time a scheduled article goes
live, and a request after that moment starts a new generation.

With several server processes, CACHE_URL must name a shared cache (db:// or
redis://); the default locmem:// is right for one process only. While that
cache fails or times out, pages are rendered uncached (core/cacheguard.py).
"""

import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from .cacheguard import CacheUnavailable, guarded
from .ratelimit import is_rate_limited

logger = logging.getLogger(__name__)
cache = guarded("default")

GENERATION_KEY = "pagecache:generation"
ENTRY_TIMEOUT = 60 * 60  # a bound on memory, not on staleness
# The query values a cached page may have: any other query (an unknown key or
# value, a repeated key) bypasses the cache, so a flood of made-up values
# (?sort=flood1, flood2, ...) stores nothing. Apps add their choices with
# register_query_values(); `page` is a page number as the site writes it.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")
_query_values: dict[str, frozenset] = {}
# Query parameters a page does not read, only its scripts and the next request
# (?article=… on a product page says which article sent the shopper): dropped
# from the cache key when they match their pattern, so such links share one
# cached page. Apps add them with register_unread_query().
_unread_queries: dict[str, re.Pattern] = {}
LOCAL_ENTRIES = 256
_next_change_sources = []
# Entries never change under a given generation, so each process keeps the
# most used ones in memory too: a hit then costs one small read of the
# generation from the shared cache instead of fetching the whole page. The one
# memo a process keeps between requests. With redis:// it saves a round trip
# for the ~50 kB article (a hit took 0.22-0.27 ms with it, 0.36-0.40 ms
# without, in process); with locmem:// it changes nothing measurable.
_local_entries: OrderedDict = OrderedDict()


def _entry(key):
    entry = _local_entries.get(key)
    if entry is not None:
        try:
            _local_entries.move_to_end(key)
        except KeyError:  # evicted by another thread meanwhile
            pass
        return entry
    entry = cache.get(key)
    if entry is not None:
        _remember(key, entry)
    return entry


def _remember(key, entry):
    _local_entries[key] = entry
    while len(_local_entries) > LOCAL_ENTRIES:
        try:
            _local_entries.popitem(last=False)
        except KeyError:
            break


def register_next_change(source):
    """`source()` returns the POSIX time of the next change no save announces (or None)."""
    _next_change_sources.append(source)
    return source


def register_query_values(name: str, values):
    """Let pages with `?name=value` be cached, for these values only (the choices the view accepts)."""
    _query_values[name] = _query_values.get(name, frozenset()) | frozenset(values)


def register_unread_query(name: str, pattern: str):
    """Let `?name=value` (value matching `pattern` whole) reach cached pages, which are rendered without it.

    Only for parameters no cacheable view reads: the page stored is the one without them.
    """
    _unread_queries[name] = re.compile(pattern)


def _canonical_query(request) -> str | None:
    """The query string with its keys sorted, or None when a key or value is not one pages accept."""
    parts = []
    for name, values in sorted(request.GET.lists()):
        if len(values) != 1:
            return None
        value = values[0]
        if name in _unread_queries:
            if not _unread_queries[name].fullmatch(value):
                return None
            continue
        if not (PAGE_NUMBER.fullmatch(value) if name == "page" else value in _query_values.get(name, ())):
            return None
        parts.append(f"{name}={value}")
    return "&".join(parts)


def _key(kind: str, generation: str, name: str) -> str:
    """A cache key of fixed length whatever `name` holds (memcached allows 250 characters, no spaces)."""
    return f"{kind}:{generation}:{hashlib.sha256(name.encode()).hexdigest()}"


def _new_generation():
    times = [t for t in (source() for source in _next_change_sources) if t is not None]
    record = (uuid.uuid4().hex[:16], min(times) if times else None)
    cache.set(GENERATION_KEY, record, None)
    return record


def _replace_generation():
    try:
        _new_generation()
    except CacheUnavailable:
        logger.error(
            "The content generation was not replaced (cache unavailable): pages cached before this change "
            "may be served once the cache is back; run `manage.py shell -c 'from core.pagecache import "
            "_new_generation; _new_generation()'` or save the content again."
        )


def bump_generation(**kwargs):
    """Invalidate every cached page once the current transaction commits. Usable as a signal receiver."""
    transaction.on_commit(_replace_generation)


def current_generation() -> str:
    """The current generation's token; raises CacheUnavailable while the cache is away."""
    record = cache.get(GENERATION_KEY)
    if record is None or (record[1] is not None and time.time() >= record[1]):
        record = _new_generation()
    return record[0]


def generation_cached(key: str, compute, timeout=ENTRY_TIMEOUT):
    """compute() once per content generation, kept in CACHES: exact like the page cache, for page parts."""
    try:
        full_key = _key("part", current_generation(), key)
        value = cache.get(full_key)
    except CacheUnavailable:
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value, timeout)
        except CacheUnavailable:
            pass
    return value


def mark_cacheable(response):
    """Views call this on responses that are the same for every anonymous reader."""
    response.page_cacheable = True
    return response


def public_page(view):
    """Decorator for function views whose pages are the same for every anonymous reader."""

    def wrapped(request, *args, **kwargs):
        return mark_cacheable(view(request, *args, **kwargs))

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return wrapped


class PublicPageMixin:
    """For class-based views whose pages are the same for every anonymous reader."""

    def dispatch(self, request, *args, **kwargs):
        return mark_cacheable(super().dispatch(request, *args, **kwargs))


def _bypass(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return True
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return True  # maybe logged in, or a message waiting: this visitor's own page
    return _canonical_query(request) is None


def _public_headers(response, etag):
    response["ETag"] = etag
    # Browsers revalidate (cheap: 304 from here); shared caches may keep it briefly.
    response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SHARED_MAX_AGE}"
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_ENABLED or _bypass(request):
            response = self.get_response(request)
            if getattr(response, "page_cacheable", False):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        try:
            page = f"{request.get_host()}{request.path}?{_canonical_query(request)}"
            key = _key("pagecache", current_generation(), page)
            entry = _entry(key)
        except CacheUnavailable:
            # Rendered afresh, as for a logged-in visitor; the warning is logged once per request.
            response = self.get_response(request)
            if getattr(response, "page_cacheable", False):
                patch_cache_control(response, private=True, no_cache=True)
                response["X-Page-Cache"] = "unavailable"
            return response
        if entry is not None:
            status, content_type, content, etag = entry
            if etag in request.headers.get("If-None-Match", ""):
                response = HttpResponseNotModified()
            else:
                response = HttpResponse(content, status=status, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return _public_headers(response, etag)

        response = self.get_response(request)
        storable = (
            getattr(response, "page_cacheable", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
            and "Cookie" not in response.get("Vary", "")
        )
        if not storable:
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        etag = '"' + hashlib.md5(response.content, usedforsecurity=False).hexdigest() + '"'
        entry = (response.status_code, response["Content-Type"], response.content, etag)
        try:
            # One client adds at most PAGE_CACHE_STORES_PER_MINUTE pages (a crawler after a
            # publish gets the rest rendered, uncached); counted where pages cannot evict it.
            limit = settings.PAGE_CACHE_STORES_PER_MINUTE
            if not is_rate_limited(request, scope="pagecache-store", limit=limit, period=60):
                cache.set(key, entry, ENTRY_TIMEOUT)
                _remember(key, entry)
        except CacheUnavailable:
            pass  # served as a miss; the next request tries again
        response["X-Page-Cache"] = "miss"
        if etag in request.headers.get("If-None-Match", ""):
            not_modified = HttpResponseNotModified()
            not_modified["X-Page-Cache"] = "miss"
            return _public_headers(not_modified, etag)
        return _public_headers(response, etag)
