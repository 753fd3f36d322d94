"""Turn CACHE_URL into Django's CACHES setting.

locmem://             per-process memory (the default; one process only)
db://TABLE            the database cache (run `manage.py createcachetable`)
redis://HOST:PORT/N   Redis, through Django's built-in backend
dummy://              no caching at all
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


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
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme '{scheme}' is not supported: use locmem://, db://TABLE, redis://HOST:PORT/N or dummy://."
    )
