"""Real server processes sharing PostgreSQL and the database cache."""

import json
import os
import socket
import subprocess
import sys
import threading
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
from tests.newsletter.timing import assert_indistinguishable
from tests.smtp import running_smtp_server

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


class Inbox:
    """What a real SMTP server on 127.0.0.1 received: (recipients, message bytes) per mail."""

    def __init__(self):
        self.mails = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.mails.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address):
        with self._lock:
            return [content for recipients, content in self.mails if address.lower() in map(str.lower, recipients)]


@pytest.fixture
def smtp_inbox():
    """An SMTP server (aiosmtpd) in this process: mail sent by any server process lands in its Inbox."""
    with running_smtp_server(Inbox()) as inbox:
        yield inbox


@pytest.fixture
def mailing_servers(transactional_db, tmp_path, smtp_inbox):
    """The two servers of `servers`, sending their mail by SMTP to `smtp_inbox`."""
    shared = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kuru_cache"}}
    smtp = {
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_inbox.port),
    }
    with override_settings(CACHES=shared, PAGE_CACHE_ENABLED=True):
        yield from _servers(tmp_path, extra_env=smtp)


def _servers(tmp_path, extra_env=None):
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
        **(extra_env or {}),
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
    # Each row is written just after its answer was sent.
    assert _settled(Subscriber.objects.count) == 20 * 9 + 1
    assert Subscriber.objects.filter(email__iexact="shared@example.com").count() == 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _settled(count, timeout=20.0, quiet=1.5):
    """Wait until `count()` is non-zero and has not changed for `quiet` seconds; return it."""
    deadline = time.time() + timeout
    last, since = count(), time.time()
    while time.time() < deadline:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.time()
        elif now and time.time() - since >= quiet:
            break
    return last


def _signup_at_once(bases, address, clients=20):
    """`clients` visitors, each with its own CSRF cookie, post `address` in the same instant; their statuses."""
    start = threading.Barrier(clients)

    def client(number):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        base = bases[number % len(bases)]
        token = json.loads(_get(base + "/newsletter/token/", opener)[2])["token"]
        body = urlencode(signup_data(address, csrfmiddlewaretoken=token)).encode()
        start.wait(timeout=30)
        try:
            return opener.open(
                urllib.request.Request(base + "/newsletter/", data=body, method="POST"), timeout=30
            ).status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(client, range(clients)))


def test_twenty_threads_post_the_same_new_address_at_once(mailing_servers, smtp_inbox):
    """Twenty visitors of both servers sign one new address up in the same instant, in three rounds:
    one row and exactly one confirmation mail each time, counted at a real SMTP server."""
    for round_number in range(3):
        address = f"Same.Person{round_number}@example.com"
        assert _signup_at_once(mailing_servers, address) == [302] * 20
        mails = _settled(lambda address=address: len(smtp_inbox.to(address)))
        assert Subscriber.objects.filter(email__iexact=address).count() == 1
        assert mails == 1, f"round {round_number}: {mails} confirmation mails to one new address"
        assert b"Confirm your KURU newsletter subscription" in smtp_inbox.to(address)[0]


def test_answer_time_does_not_tell_a_confirmed_address_from_a_new_one(mailing_servers, smtp_inbox):
    """Over HTTP, with the default immediate task backend and real SMTP: a new address's row and mail
    are written after its answer is sent, so answers to new and confirmed addresses take as long."""
    base = mailing_servers[0]
    Subscriber.objects.create(email="known@example.com", status=Subscriber.Status.CONFIRMED)
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    token = json.loads(_get(base + "/newsletter/token/", opener)[2])["token"]

    def answer_time(email):
        body = urlencode(signup_data(email, csrfmiddlewaretoken=token)).encode()
        started = time.perf_counter()
        try:
            opener.open(urllib.request.Request(base + "/newsletter/", data=body, method="POST"), timeout=30)
        except urllib.error.HTTPError as exc:
            assert exc.code == 302
        elapsed = (time.perf_counter() - started) * 1000
        # Let the server finish the work it does after answering before the next try.
        if email != "known@example.com":
            assert _settled(lambda: len(smtp_inbox.to(email)), quiet=0) == 1
        time.sleep(0.05)
        return elapsed

    times = {"new": [], "confirmed": []}
    for n in range(33):
        for kind in sorted(times, reverse=n % 2):  # alternate who goes first
            elapsed = answer_time(f"new{n}@example.com" if kind == "new" else "known@example.com")
            if n >= 3:  # the first rounds warm the servers up
                times[kind].append(elapsed)
    assert_indistinguishable(times)
    assert smtp_inbox.to("known@example.com") == []
