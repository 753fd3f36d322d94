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

Two layers serve hits. PageCacheMiddleware works wherever Django does (the
development server, the test client). Under a WSGI server, PageCacheApplication
(kuru_site/wsgi.py wraps Django in it) answers a hit before Django builds its
request and runs its middleware: it keeps the whole response as it left Django,
security headers included, so a hit sends the same headers as the miss that
stored it. On a miss it lets the middleware decide whether the page may be
stored, then stores what Django sent.
"""

import hashlib
import logging
import re
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from .cacheguard import CacheUnavailable, guarded
from .cacheguard import reset as cacheguard_reset
from .ratelimit import is_rate_limited

logger = logging.getLogger(__name__)
cache = guarded("default")

# Read on every hit: short, since Django checks each character of a key on every get (about 50 ns each).
GENERATION_KEY = "pcgen"
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
_hit_listeners = []
# PageCacheApplication and PageCacheMiddleware talk through this dict in the WSGI
# environ: "key" (the entry it missed, or None when the generation must be renewed
# first), "unavailable" (the cache failed before Django started), and the middleware's
# answer, "store" (the ETag of a response to store as sent) and "route" (its URL match).
WIRE = "kuru.pagecache"
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


def register_hit_listener(listener):
    """`listener(request, view_name, kwargs)` is told of each hit PageCacheApplication answers (200
    or 304), where no Django middleware runs: `request` is a WSGIRequest that went through none,
    `view_name` and `kwargs` are the URL match of the request that stored the page."""
    if listener not in _hit_listeners:
        _hit_listeners.append(listener)
    return listener


def register_query_values(name: str, values):
    """Let pages with `?name=value` be cached, for these values only (the choices the view accepts)."""
    _query_values[name] = _query_values.get(name, frozenset()) | frozenset(values)


# Campaign tags that analytics read in the browser's address bar and pages never do (the
# newsletter's links carry utm_*): a page with them is the page without them.
TRACKING_PARAMETERS = re.compile(r"utm_[a-z]+|gclid|fbclid|msclkid|mc_cid|mc_eid")


def register_unread_query(name: str, pattern: str):
    """Let `?name=value` (value matching `pattern` whole) reach cached pages, which are rendered without it.

    Only for parameters no cacheable view reads: the page stored is the one without them.
    """
    _unread_queries[name] = re.compile(pattern)


def _canonical_query(request) -> str | None:
    """The query string with its keys sorted and campaign tags left out, or None when a key or value
    is not one pages accept."""
    if not request.META.get("QUERY_STRING"):
        return ""  # most requests: no QueryDict to build
    parts = []
    for name, values in sorted(request.GET.lists()):
        if TRACKING_PARAMETERS.fullmatch(name):
            continue
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


def code_release() -> str:
    """What this process's code renders: PAGE_CACHE_RELEASE (say, the deployed commit) if set, else a
    fingerprint of the project's templates and Python files (paths, sizes, modification times) and
    the static files' manifest.

    Entries are keyed by it as well as by the generation, so pages rendered by the code of an earlier
    deploy (old markup, static file names that are gone) are never served by the new code, with no
    flush: during a rolling deploy each release reads its own. Computed once: a process's code does
    not change while it runs (a changed file needs a restart to be loaded anyway).
    """
    global _release
    if _release is None:
        _release = settings.PAGE_CACHE_RELEASE or _fingerprint()
    return _release


_release = None


def _fingerprint() -> str:
    from django.apps import apps

    base = Path(settings.BASE_DIR).resolve()
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for config in apps.get_app_configs():  # the project's own apps, not those installed in a virtualenv inside it
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and "site-packages" not in path.parts:
            roots.append(path)
    roots.append(base / "kuru_site")
    digest = hashlib.sha256()
    for root in sorted(set(roots)):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".txt", ".xml") and path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:12]


def _key(kind: str, generation: str, name: str) -> str:
    """A cache key of fixed length whatever `name` holds (memcached allows 250 characters, no spaces)."""
    return f"{kind}:{generation}:{hashlib.sha256(f'{code_release()}|{name}'.encode()).hexdigest()}"


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


def _unexpired_generation() -> str | None:
    """The current generation's token, or None when there is none or a scheduled change is due."""
    record = cache.get(GENERATION_KEY)
    if record is None or (record[1] is not None and time.time() >= record[1]):
        return None
    return record[0]


def current_generation() -> str:
    """The current generation's token; raises CacheUnavailable while the cache is away."""
    return _unexpired_generation() or _new_generation()[0]


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


def _page(request, query: str) -> str:
    """What a page's entry is keyed by: scheme, host (validated: DisallowedHost), path and canonical query."""
    return f"{request.scheme}://{_host(request)}{request.path}?{query}"


# Hosts ALLOWED_HOSTS accepted, by what HttpRequest.get_host() read them from: it costs 3.4 µs, a sixth of
# a hit. A pure function of the request's Host headers and those settings, so nothing to invalidate;
# hosts it refuses are never kept, and the dict is emptied at HOSTS_KEPT (ALLOWED_HOSTS may be a wildcard).
_hosts: dict = {}
HOSTS_KEPT = 256


def _host(request) -> str:
    meta = request.META
    if "HTTP_HOST" not in meta:
        return request.get_host()  # from SERVER_NAME and the port: rare, and read as Django does
    forwarded = meta.get("HTTP_X_FORWARDED_HOST") if settings.USE_X_FORWARDED_HOST else None
    key = (forwarded, meta["HTTP_HOST"], settings.DEBUG, tuple(settings.ALLOWED_HOSTS))
    host = _hosts.get(key)
    if host is None:
        host = request.get_host()  # raises DisallowedHost for a host it refuses
        if len(_hosts) >= HOSTS_KEPT:
            _hosts.clear()
        _hosts[key] = host
    return host


def _cacheable_query(request) -> str | None:
    """The canonical query of a request the page cache may answer; None when it must bypass the cache."""
    if request.method not in ("GET", "HEAD"):
        return None
    cookies = request.COOKIES
    if cookies and (settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies):
        return None  # maybe logged in, or a message waiting: this visitor's own page
    return _canonical_query(request)


def _public_headers(response, etag):
    response["ETag"] = etag
    # Browsers revalidate (cheap: 304 from here); shared caches may keep it briefly.
    response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SHARED_MAX_AGE}"
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = _cacheable_query(request) if settings.PAGE_CACHE_ENABLED else None
        if query is None:
            response = self.get_response(request)
            if getattr(response, "page_cacheable", False):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        wire = request.META.get(WIRE)
        try:
            if wire is not None:
                if wire["unavailable"]:
                    raise CacheUnavailable("default")
                # PageCacheApplication missed (or the generation is due for renewal, done here,
                # inside Django's request cycle): render, and let it store what the server sends.
                key = wire["key"] or _key("pagewire", current_generation(), _page(request, query))
                return self._render(request, key, store=self._store_on_the_wire)
            key = _key("pagecache", current_generation(), _page(request, query))
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
        return self._render(request, key, store=self._store_entry)

    @staticmethod
    def _store_entry(request, key, response, etag):
        entry = (response.status_code, response["Content-Type"], response.content, etag)
        cache.set(key, entry, ENTRY_TIMEOUT)
        _remember(key, entry)

    @staticmethod
    def _store_on_the_wire(request, key, response, etag):
        match = request.resolver_match
        route = (match.view_name, match.kwargs) if match else (None, {})
        request.META[WIRE].update(key=key, store=etag, route=route)

    def _render(self, request, key, store):
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
        try:
            # One client adds at most PAGE_CACHE_STORES_PER_MINUTE pages (a crawler after a
            # publish gets the rest rendered, uncached); counted where pages cannot evict it.
            limit = settings.PAGE_CACHE_STORES_PER_MINUTE
            if not is_rate_limited(request, scope="pagecache-store", limit=limit, period=60):
                store(request, key, response, etag)
        except CacheUnavailable:
            pass  # served as a miss; the next request tries again
        response["X-Page-Cache"] = "miss"
        if etag in request.headers.get("If-None-Match", ""):
            not_modified = HttpResponseNotModified()
            not_modified["X-Page-Cache"] = "miss"
            return _public_headers(not_modified, etag)
        return _public_headers(response, etag)


# Headers a server sets itself, or that a hit sets afresh.
_UNSTORED_HEADERS = frozenset({"content-length", "date", "server", "connection", "x-page-cache"})


class PageCacheApplication:
    """WSGI middleware: answers page-cache hits before Django runs, with the headers Django sent.

    A request the page cache may answer (PageCacheMiddleware's rules: GET or HEAD, no
    session or message cookie, a query the page accepts, a host ALLOWED_HOSTS accepts)
    is looked up under the current generation. A hit is answered from the stored
    status, headers and body, or with a 304 when If-None-Match names its ETag. On a
    miss Django renders the page; when PageCacheMiddleware finds the response storable
    (its rules and the per-client store limit) it is stored here as the server sends
    it. Anything else is Django's alone. No database query runs here: a generation
    that must be renewed is renewed by the middleware, inside Django's request cycle.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if not settings.PAGE_CACHE_ENABLED:
            return self.application(environ, start_response)
        cacheguard_reset(environ=environ)
        # Django's own reading of the request, no middleware run on it. On a copy: WSGIRequest writes
        # the decoded path back into its environ, which Django would then decode a second time.
        request = WSGIRequest(environ.copy())
        try:
            query = _cacheable_query(request)
            if query is None:
                return self.application(environ, start_response)
            page = _page(request, query)
            generation = _unexpired_generation()
            key = _key("pagewire", generation, page) if generation else None
            entry = _entry(key) if key else None
        except DisallowedHost:
            return self.application(environ, start_response)  # Django answers it (400)
        except CacheUnavailable:
            environ[WIRE] = {"key": None, "unavailable": True}
            return self.application(environ, start_response)
        if entry is not None:
            return self._hit(request, entry, start_response)
        wire = environ[WIRE] = {"key": key, "unavailable": False}
        sent = []

        def keep_start_response(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.application(environ, keep_start_response)
        if wire.get("store") and sent and sent[0].startswith("200 ") and not getattr(response, "streaming", True):
            status, headers = sent
            kept = [(name, value) for name, value in headers if name.lower() not in _UNSTORED_HEADERS]
            entry = (status, kept, response.content, wire["store"], wire["route"])
            try:
                cache.set(wire["key"], entry, ENTRY_TIMEOUT)
                _remember(wire["key"], entry)
            except CacheUnavailable:
                pass  # served as a miss; the next request tries again
        return response

    @staticmethod
    def _hit(request, entry, start_response):
        status, headers, content, etag, (view_name, kwargs) = entry
        if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            status, content = "304 Not Modified", b""
            headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
            start_response(status, [*headers, ("X-Page-Cache", "hit")])
        else:
            start_response(status, [*headers, ("X-Page-Cache", "hit"), ("Content-Length", str(len(content)))])
        for listener in _hit_listeners:
            listener(request, view_name, kwargs)
        return [b"" if request.method == "HEAD" else content]
