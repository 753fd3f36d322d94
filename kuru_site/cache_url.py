"""Turn CACHE_URL into Django's CACHES setting.

locmem://             per-process memory (the default; one process only)
db://TABLE            the database cache (run `manage.py createcachetable`)
redis://HOST:PORT/N   Redis (core/redis_cache.py: Django's cache API on one redis-py
                      client per process, where Django's backend builds one a call); a short socket
                      time-out (REDIS_SOCKET_TIMEOUT, 0.25 s) unless the URL sets
                      ?socket_timeout=S&socket_connect_timeout=S: a frozen Redis
                      must not hold a worker longer than that
dummy://              no caching at all
"""

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

# Seconds a Redis connect or reply may take before the page is rendered without the cache.
REDIS_SOCKET_TIMEOUT = 0.25
TIMEOUT_OPTIONS = ("socket_timeout", "socket_connect_timeout")


def parse_cache_url(url: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.netloc or "kuru",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    if scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or "kuru_cache"
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    if scheme in ("redis", "rediss"):
        query = dict(parse_qsl(parts.query))
        options = {name: float(query.pop(name, REDIS_SOCKET_TIMEOUT)) for name in TIMEOUT_OPTIONS}
        location = urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())))
        return {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": location, "OPTIONS": options}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme '{scheme}' is not supported: use locmem://, db://TABLE, redis://HOST:PORT/N or dummy://."
    )


def parse_limits_cache_url(url: str) -> dict:
    """CACHES["limits"] for rate-limit counters and signup stamps, kept apart from the pages.

    By default the same kind of cache as CACHE_URL, in a place page entries
    cannot evict: its own locmem area or table, or the same Redis under a key
    prefix (give Redis enough memory, or set LIMITS_CACHE_URL to another one).
    """
    config = parse_cache_url(url)
    scheme = urlsplit(url).scheme
    if scheme == "locmem":
        config["LOCATION"] += "-limits"
    elif scheme == "db":
        config["LOCATION"] += "_limits"
    elif scheme in ("redis", "rediss"):
        config["KEY_PREFIX"] = "limits"
    return config
