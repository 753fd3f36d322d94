"""Cache calls that survive a cache outage: pages render uncached instead of failing or hanging.

Everything a request does with CACHES goes through `guarded(alias)`. Its
methods are the cache's own; an error or time-out (CACHE_URL sets a short
socket time-out for Redis) is logged as a warning once and raised as
CacheUnavailable, and for the rest of that request the alias is not tried
again, so one request waits for at most one time-out per alias. Callers
catch CacheUnavailable and go on without the cache: render the page, compute
the part, let the form through.
"""

import logging
from contextvars import ContextVar

from django.core.cache import caches

logger = logging.getLogger(__name__)

# The aliases that failed during the current request (reset by request_started, core/apps.py).
_failed: ContextVar[frozenset] = ContextVar("cache_failed", default=frozenset())


class CacheUnavailable(Exception):
    """The cache failed, now or earlier in this request: go on without it."""


# Marks a WSGI environ whose request was started already (by core.pagecache.PageCacheApplication,
# before Django's request_started): one request, one time-out per alias at most.
STARTED = "kuru.cacheguard.started"


def reset(environ=None, **kwargs):
    """Try every cache again: a new request starts. Usable as a request_started receiver."""
    if environ is not None:
        if environ.get(STARTED):
            return
        environ[STARTED] = True
    _failed.set(frozenset())


class GuardedCache:
    def __init__(self, alias: str):
        self.alias = alias

    def __getattr__(self, method):
        def call(*args, **kwargs):
            if self.alias in _failed.get():
                raise CacheUnavailable(self.alias)
            try:
                return getattr(caches[self.alias], method)(*args, **kwargs)
            except ValueError:  # incr() of a missing key: an answer, not an outage
                raise
            except Exception as error:  # any backend's connection or time-out error
                _failed.set(_failed.get() | {self.alias})
                logger.warning(
                    "Cache %r unavailable (%s: %s); this request goes on without it.",
                    self.alias,
                    method,
                    f"{type(error).__name__}: {error}",
                )
                raise CacheUnavailable(self.alias) from error

        # Made once per method: later calls find it without __getattr__ (it reads caches[alias] each time).
        self.__dict__[method] = call
        return call


def guarded(alias: str = "default") -> GuardedCache:
    return GuardedCache(alias)
