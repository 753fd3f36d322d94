import os
import shutil
import socket
import subprocess
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kuru_site.cache_url import parse_cache_url


@pytest.mark.parametrize(
    "url, backend, location",
    [
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", "kuru"),
        ("db://kuru_cache", "django.core.cache.backends.db.DatabaseCache", "kuru_cache"),
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/1"),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache", None),
    ],
)
def test_cache_url_schemes(url, backend, location):
    config = parse_cache_url(url)
    assert config["BACKEND"] == backend
    assert config.get("LOCATION") == location


def test_unknown_cache_scheme_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="memcached"):
        parse_cache_url("memcached://127.0.0.1:11211")


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        message = "redis-server not found: install Debian's package with `apt-get install redis-server`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_cache_works(redis_url):
    config = parse_cache_url(redis_url)
    cache = import_string(config["BACKEND"])(config["LOCATION"], {})
    cache.set("page", b"<html>", 30)
    assert cache.get("page") == b"<html>"
    assert cache.get_many(["page", "missing"]) == {"page": b"<html>"}
    cache.clear()
    assert cache.get("page") is None
