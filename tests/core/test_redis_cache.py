"""core.redis_cache.RedisCache against a real redis-server: Django's cache API, one client per backend."""

import os
import time
from datetime import date

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.redis_cache import RedisCache
from kuru_site.cache_url import parse_cache_url


@pytest.fixture
def backends(redis_server):
    """Ours and Django's on the same Redis, to check they read each other's values."""
    config = parse_cache_url(redis_server.url)
    params = {"OPTIONS": config["OPTIONS"]}
    ours, django = RedisCache(config["LOCATION"], params), DjangoRedisCache(config["LOCATION"], params)
    yield ours, django
    ours.clear()


def test_values_round_trip_and_match_djangos_own_backend(backends):
    ours, django = backends
    value = {"when": date(2026, 12, 2), "list": [1, "two", None]}
    ours.set("thing", value)
    assert ours.get("thing") == value == django.get("thing")
    django.set("counter", 41)
    assert ours.incr("counter") == 42 and django.get("counter") == 42
    assert ours.get("missing", "fallback") == "fallback"
    with pytest.raises(ValueError):
        ours.incr("missing")


def test_incr_is_one_round_trip_and_leaves_a_missing_key_missing(backends, monkeypatch):
    ours, django = backends
    ours.set("hits", 5)
    ours.incr("hits")  # Redis learns the script here
    client, sent = ours._redis, []
    original = client.execute_command
    monkeypatch.setattr(client, "execute_command", lambda *args, **kw: sent.append(args[0]) or original(*args, **kw))
    assert ours.incr("hits", 10) == 16 and django.get("hits") == 16
    assert sent == ["EVALSHA"]
    monkeypatch.undo()
    with pytest.raises(ValueError):
        ours.incr("absent")
    assert ours.has_key("absent") is False
    client.script_flush()  # a restarted Redis has forgotten the script: it is sent again
    assert ours.incr("hits") == 17


def test_add_set_and_delete_follow_djangos_rules(backends):
    ours, _ = backends
    assert ours.add("once", 1) is True and ours.add("once", 2) is False and ours.get("once") == 1
    assert ours.add("never", 1, timeout=0) is True and ours.has_key("never") is False
    ours.set("gone", "x", timeout=0)
    assert ours.get("gone") is None
    assert ours.delete("once") is True and ours.delete("once") is False


def test_time_outs_expire_and_touch_changes_them(backends):
    ours, _ = backends
    ours.set("short", "x", timeout=1)
    ours.set("kept", "x", timeout=1)
    assert ours.touch("kept", None) is True  # no expiry any more
    time.sleep(1.3)
    assert ours.get("short") is None and ours.get("kept") == "x"
    assert ours.touch("absent", 10) is False


def test_many_at_once(backends):
    ours, _ = backends
    assert ours.set_many({"a": 1, "b": [2], "c": "3"}) == []
    assert ours.get_many(["a", "b", "c", "nope"]) == {"a": 1, "b": [2], "c": "3"}
    ours.delete_many(["a", "b"])
    assert ours.get_many(["a", "b", "c"]) == {"c": "3"}
    assert ours.get_many([]) == {}


def test_calls_build_no_client_where_djangos_backend_builds_one_each(backends, monkeypatch):
    import redis

    ours, django = backends
    ours.get("first")  # builds its one client
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    for n in range(20):
        ours.set(f"k{n}", n)
        ours.get(f"k{n}")
    assert built == []
    django.get("k1")
    assert built == [1]


def test_one_connection_per_backend_and_a_new_one_in_a_forked_process(backends):
    ours, _ = backends
    ours.set("shared", "parent")
    client = ours._redis
    assert client is ours._redis and client.connection is not None  # the same client and connection each call
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own client and connection, never the parent's socket
        try:
            child = ours._redis
            ok = child is not client and ours.get("shared") == "parent"
            ours.set("from-child", "child")
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 2) == b"ok"
    os.close(read)
    # The parent's connection still answers in order after the child used and dropped its own.
    assert ours._redis is client and ours.get("from-child") == "child" and ours.get("shared") == "parent"
