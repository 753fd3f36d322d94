"""A real `db_worker` process sends an issue to a real SMTP server and is killed (SIGKILL) twice mid-send:
after restarts, every confirmed subscriber has received the issue exactly once."""

import collections
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from newsletter.models import Delivery, Issue
from newsletter.services import issue_schedule
from newsletter.tokens import subscriber_from_unsubscribe_token
from tests.factories import make_article, make_issue, make_subscriber
from tests.markers import needs_postgresql

pytestmark = needs_postgresql("the worker process must share the test database")

RECIPIENTS = 14


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """`manage.py db_worker` processes of this test, each stopped by its pid."""

    def __init__(self, env, log_dir):
        self.env, self.log_dir, self.procs = env, log_dir, []

    def start(self):
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "w")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(transactional_db, smtp_server, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSLETTER_", "TASKS_"))},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_server.port),
        "DJANGO_EMAIL_TIMEOUT": "1",  # below the claim timeout, as newsletter.W002 asks
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SITE_URL": settings.SITE_URL,
        # Four a second, runs of three seconds, and a claim is abandoned after two.
        "NEWSLETTER_SEND_PER_MINUTE": "240",
        "NEWSLETTER_SEND_RUN_SECONDS": "3",
        "NEWSLETTER_SEND_CLAIM_TIMEOUT": "2",
    }
    running = Workers(env, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.02)


def _count(issue, state):
    return Delivery.objects.filter(issue=issue, state=state).count()


def test_killed_worker_restarts_and_every_recipient_gets_the_issue_exactly_once(workers, smtp_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    readers = [make_subscriber(f"reader{i:02}@example.com") for i in range(RECIPIENTS)]
    make_subscriber("pending@example.com", status="pending")
    issue = make_issue(subject="Crash-proof", slug="crash-proof", articles=[make_article()])
    issue_schedule(issue=issue)

    # Kill 1, inside an SMTP exchange: the worker dies while the server reads the fifth message,
    # before the server has accepted it (so it is not delivered), with that delivery claimed.
    killed = threading.Event()
    first = workers.start()

    def kill_on_fifth(envelope):
        if not killed.is_set() and len(smtp_server.messages) == 4:
            os.kill(first.pid, signal.SIGKILL)
            killed.set()
            return "421 4.4.2 Connection dropped"
        return None

    smtp_server.before_accept = kill_on_fifth
    _wait_for(killed.is_set, 60, "the fifth message")
    assert first.wait(timeout=10) == -signal.SIGKILL
    smtp_server.before_accept = None
    assert len(smtp_server.messages) == 4
    assert (_count(issue, "sent"), _count(issue, "sending"), _count(issue, "queued")) == (4, 1, RECIPIENTS - 5)
    abandoned = Delivery.objects.get(issue=issue, state="sending")

    # Kill 2, between messages: once nine are marked sent, the next is at least a quarter second away.
    second = workers.start()
    _wait_for(lambda: _count(issue, "sent") >= 9, 60, "nine sent")
    os.kill(second.pid, signal.SIGKILL)
    assert second.wait(timeout=10) == -signal.SIGKILL
    sent_before_restart = len(smtp_server.messages)
    assert sent_before_restart == _count(issue, "sent") < RECIPIENTS

    workers.start()
    _wait_for(lambda: Issue.objects.get(pk=issue.pk).status == "sent", 90, "the issue to be sent")
    time.sleep(1)  # anything sent twice would arrive by now

    received = collections.Counter(smtp_server.recipients())
    assert received == {reader.email: 1 for reader in readers}
    assert _count(issue, "sent") == RECIPIENTS
    abandoned.refresh_from_db()
    assert abandoned.state == "sent" and abandoned.attempts == 2
    for reader in readers:
        (message,) = smtp_server.to(reader.email)
        token = message["List-Unsubscribe"].strip().strip("<>").rstrip("/").rsplit("/", 1)[1]
        assert subscriber_from_unsubscribe_token(token) == reader
        assert message["Message-ID"].startswith(f"<issue-{issue.pk}.delivery-")
