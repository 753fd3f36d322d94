"""Real server processes sharing PostgreSQL and the database cache."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from articles.models import Article
from newsletter.models import Subscriber
from tests.factories import signup_data
from tests.markers import needs_postgresql

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"

pytestmark = needs_postgresql("server processes must share the test database")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url, opener=None):
    with (opener or urllib.request.build_opener()).open(url, timeout=20) as response:
        return response.status, dict(response.headers), response.read().decode()


@pytest.fixture
def servers(transactional_db, tmp_path):
    """Two gunicorn servers on 127.0.0.1 sharing the test database and its cache table."""
    shared = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kuru_cache"}}
    # Ended inside this fixture, before the database closes to the test.
    with override_settings(CACHES=shared, PAGE_CACHE_ENABLED=True):
        yield from _servers(tmp_path)


def _servers(tmp_path):
    call_command("createcachetable", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": "db://kuru_cache",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_CONN_MAX_AGE": "0",
        "NEWSLETTER_RATE_LIMIT_PER_MINUTE": "100000",
    }
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                    "kuru_site.wsgi:application",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=open(tmp_path / f"server-{port}.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            deadline = time.time() + 30
            while True:
                try:
                    _get(base + "/newsletter/token/")
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def test_a_publish_is_seen_at_once_by_both_processes(servers):
    one, two = servers
    for base in (one, two, one, two):
        status, headers, html = _get(base + SEED_URL)
        assert status == 200 and "Can Foot Pain Cause Knee Pain?" in html
    assert headers["X-Page-Cache"] == "hit"  # the shared cache served the second process too

    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    article.title = "Foot pain and knee pain: the connection"
    article.save()  # autocommit: the new generation is written to the shared cache now

    for base in (two, one):
        status, headers, html = _get(base + SEED_URL)
        assert "Foot pain and knee pain: the connection</h1>" in html


def test_twenty_concurrent_signups_lose_and_duplicate_nothing(servers):
    one, two = servers

    def client(number):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = (one, two)[number % 2]
        token = json.loads(_get(base + "/newsletter/token/", opener)[2])["token"]
        statuses = []
        for i in range(10):
            # Every client also signs up the same shared address, in varying case.
            email = (
                f"reader{number}-{i}@example.com"
                if i
                else ("Shared@Example.com" if number % 2 else "shared@example.COM")
            )
            body = urlencode(signup_data(email, csrfmiddlewaretoken=token)).encode()
            request = urllib.request.Request(base + "/newsletter/", data=body, method="POST")
            no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
            try:
                statuses.append(no_redirect.open(request, timeout=30).status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        return statuses

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = [s for result in pool.map(client, range(20)) for s in result]
    assert statuses == [302] * 200
    assert Subscriber.objects.count() == 20 * 9 + 1
    assert Subscriber.objects.filter(email__iexact="shared@example.com").count() == 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_twenty_threads_post_the_same_new_address_at_once(servers):
    one, two = servers

    def client(number):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        base = (one, two)[number % 2]
        token = json.loads(_get(base + "/newsletter/token/", opener)[2])["token"]
        body = urlencode(signup_data("Same.Person@example.com", csrfmiddlewaretoken=token)).encode()
        try:
            return opener.open(
                urllib.request.Request(base + "/newsletter/", data=body, method="POST"), timeout=30
            ).status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(client, range(20)))
    assert statuses == [302] * 20
    assert Subscriber.objects.filter(email__iexact="same.person@example.com").count() == 1
