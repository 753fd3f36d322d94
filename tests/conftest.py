import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.admin_forms import staff_user


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, a throw-away media folder and an empty cache for every test.

    The page cache is off unless a test asks for it with the `page_cache`
    fixture: view tests check rendering, tests/test_pagecache.py checks caching.
    """
    from django.core.cache import cache, caches

    from articles import pageviews
    from core import cacheguard

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAGE_CACHE_ENABLED = False
    # Article views are written only when a test calls flush() or sets a threshold:
    # the exact query counts of page tests never include a flush.
    settings.ARTICLE_VIEWS_FLUSH_EVERY = 0
    settings.ARTICLE_VIEWS_FLUSH_SECONDS = 0
    pageviews.discard()
    cacheguard.reset()
    cache.clear()
    caches["limits"].clear()
    yield
    cacheguard.reset()
    cache.clear()
    caches["limits"].clear()
    pageviews.discard()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture(scope="session")
def load_demo(tmp_path_factory):
    """A function loading the demo into the current test's database and media folder.

    The first call makes the image renditions (seconds); later calls find the
    same files already there, copied from that first test's media: rendition
    names come from the image bytes, so they are the ones the import would write.
    tests/articles/test_images.py checks rendition making itself.
    """
    from django.conf import settings

    made = tmp_path_factory.mktemp("demo-renditions") / "renditions"

    def load():
        media = Path(settings.MEDIA_ROOT)
        if made.exists():
            shutil.copytree(made, media / "renditions", dirs_exist_ok=True)
        call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
        if not made.exists():
            shutil.copytree(media / "renditions", made)

    return load


@pytest.fixture
def demo(db, load_demo):
    """The seed article, its author and its three products, loaded from content/."""
    load_demo()
    from articles.models import Article

    return Article.objects.get(slug="can-foot-pain-cause-knee-pain")


@pytest.fixture
def editor(client, django_user_model):
    """The test client, logged in as a member of Editors."""
    client.force_login(staff_user(django_user_model, "edna", "Editors"))
    return client


@pytest.fixture
def writer(client, django_user_model):
    """The test client, logged in as a member of Writers."""
    client.force_login(staff_user(django_user_model, "walt", "Writers"))
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """The test client, logged in as a superuser."""
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    return client


class RedisServer:
    """A redis-server of the test's own on a free 127.0.0.1 port, stopped by its pid."""

    def __init__(self, process, port):
        self.process, self.port = process, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.frozen = False

    def freeze(self):
        """SIGSTOP: connections are accepted by the kernel, nothing is answered."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        if self.frozen:
            os.kill(self.process.pid, signal.SIGCONT)
            self.frozen = False

    def stop(self):
        self.thaw()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    """A running redis-server; skipped without one (a failure under CI=true)."""
    server = shutil.which("redis-server")
    if not server:
        message = "redis-server not found: install Debian's package with `apt-get install redis-server`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    redis = RedisServer(subprocess.Popen([server, *args], stdout=subprocess.DEVNULL), port)
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
        yield redis
    finally:
        redis.stop()


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
