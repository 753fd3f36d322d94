import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kuru_site.cache_url import parse_cache_url


@pytest.mark.parametrize(
    "url, backend, location",
    [
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", "kuru"),
        ("db://kuru_cache", "django.core.cache.backends.db.DatabaseCache", "kuru_cache"),
        ("redis://127.0.0.1:6379/1", "core.redis_cache.RedisCache", "redis://127.0.0.1:6379/1"),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache", None),
    ],
)
def test_cache_url_schemes(url, backend, location):
    config = parse_cache_url(url)
    assert config["BACKEND"] == backend
    assert config.get("LOCATION") == location


def test_redis_gets_a_short_socket_timeout_unless_the_url_sets_one():
    assert parse_cache_url("redis://127.0.0.1:6379/0")["OPTIONS"] == {
        "socket_timeout": 0.25,
        "socket_connect_timeout": 0.25,
    }
    config = parse_cache_url("redis://127.0.0.1:6379/0?socket_timeout=2&health_check_interval=30")
    assert config["OPTIONS"] == {"socket_timeout": 2.0, "socket_connect_timeout": 0.25}
    assert config["LOCATION"] == "redis://127.0.0.1:6379/0?health_check_interval=30"


def test_unknown_cache_scheme_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="memcached"):
        parse_cache_url("memcached://127.0.0.1:11211")


@pytest.fixture
def redis_url(redis_server):
    return redis_server.url


def test_redis_cache_works(redis_url):
    config = parse_cache_url(redis_url)
    cache = import_string(config["BACKEND"])(config["LOCATION"], config)
    cache.set("page", b"<html>", 30)
    assert cache.get("page") == b"<html>"
    assert cache.get_many(["page", "missing"]) == {"page": b"<html>"}
    cache.clear()
    assert cache.get("page") is None
