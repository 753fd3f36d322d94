"""
The `make bench` send row: an issue sent to BENCH_SEND_SUBSCRIBERS (10,000)
confirmed subscribers by a real `manage.py db_worker` to a real SMTP server
(aiosmtpd on 127.0.0.1), unthrottled (NEWSLETTER_SEND_PER_MINUTE=0).

It sends twice, first to a tenth of the list, then (the list grown) to all of
it, and prints for each: messages per second, the worker's peak RSS (sampled
every 0.1 s) and its SQL statements per recipient (counted in the worker by
an execute_wrapper that bench/send_settings.py installs; from scheduling to
the issue marked sent, the worker's polling between tasks included). Flat memory and constant queries show as equal figures for
both sizes. Checks every recipient got exactly one message.

Environment: BENCH_SEND_SUBSCRIBERS (10000), DATABASE_URL (default: a fresh
SQLite file). Run alone with `python bench/send.py`; bench/run.py calls it too.
"""

import collections
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SUBSCRIBERS = int(os.environ.get("BENCH_SEND_SUBSCRIBERS", "10000"))
TIMEOUT = 900  # seconds one send may take before the bench gives up

SETUP = """
import sys
from django.utils import timezone
from newsletter.models import Issue, IssueArticle, IssueProduct, Subscriber
from articles.models import Article
from products.models import Product
from newsletter.services import issue_schedule

total, slug = int(sys.argv[-2]), sys.argv[-1]
have = Subscriber.objects.count()
Subscriber.objects.bulk_create(
    [Subscriber(email=f"reader{i:06}@bench.example", status="confirmed", confirmed_at=timezone.now())
     for i in range(have, total)],
    batch_size=1000,
)
issue = Issue.objects.create(subject=f"Bench {slug}", slug=slug, intro_html="<p>Hello <strong>reader</strong>.</p>")
for i, article in enumerate(Article.objects.published()[:3]):
    IssueArticle.objects.create(issue=issue, article=article, sort_order=i)
for i, product in enumerate(Product.objects.active()[:3]):
    IssueProduct.objects.create(issue=issue, product=product, sort_order=i)
print(issue.pk)
"""
SCHEDULE = "import sys; from newsletter.models import Issue; from newsletter.services import issue_schedule; issue_schedule(issue=Issue.objects.get(pk=int(sys.argv[-1])))"
STATUS = "import sys; from newsletter.models import Issue; print(Issue.objects.get(pk=int(sys.argv[-1])).status)"


class Counter:
    """An aiosmtpd handler that counts what it accepted, per recipient; nothing is parsed or kept."""

    def __init__(self):
        self.received = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.update(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def shell(env, code, *args) -> str:
    # `shell -c` takes no arguments of its own: pass them after the code through sys.argv.
    out = subprocess.run(
        [PY, "-c", "import sys, django; django.setup(); exec(sys.argv[1])", code, *map(str, args)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "kuru_site.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def read_count(worker, path: Path) -> int:
    """The worker's SQL statement count so far (it writes it on SIGUSR1, see send_settings.py)."""
    path.unlink(missing_ok=True)
    os.kill(worker.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def send_once(env, counter, count_file, worker, total, slug):
    """Grow the list to `total`, send one issue to it, and measure the worker while it sends."""
    issue_id = shell(env, SETUP, total, slug).splitlines()[-1]
    before = read_count(worker, count_file)
    already = sum(counter.received.values())
    peak, started = 0.0, time.monotonic()
    shell(env, SCHEDULE, issue_id)
    while sum(counter.received.values()) - already < total:
        peak = max(peak, rss_mb(worker.pid))
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}) mid-send")
        if time.monotonic() - started > TIMEOUT:
            raise SystemExit(f"the send of {total:,} did not finish within {TIMEOUT} s")
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    # The run marks the issue sent after its last message: wait for it, and for the count file.
    while shell(env, STATUS, issue_id) != "sent":
        peak = max(peak, rss_mb(worker.pid))
        time.sleep(0.2)
    queries = read_count(worker, count_file) - before
    return {"recipients": total, "seconds": elapsed, "peak_mb": peak, "queries": queries}


def fresh_database(url: str) -> str:
    """An empty database beside `url` for PostgreSQL (<name>_send, dropped first); SQLite URLs unchanged."""
    if not url.startswith("postgres"):
        return url
    import psycopg2

    head, _, name = url.rpartition("/")
    fresh = f"{name}_send"
    connection = psycopg2.connect(f"{head}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    connection.close()
    return f"{head}/{fresh}"


def run(database_url=None) -> list[dict]:
    from aiosmtpd.controller import Controller

    work = Path(tempfile.mkdtemp(prefix="kuru-bench-send-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSLETTER_", "TASKS_"))},
        "DJANGO_DEBUG": "0",  # DEBUG keeps every query in memory: the figure would be Django's, not ours
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DATABASE_URL": fresh_database(
            database_url or os.environ.get("DATABASE_URL", f"sqlite:///{work / 'send.sqlite3'}")
        ),
        "CACHE_URL": "locmem://",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "NEWSLETTER_SEND_PER_MINUTE": "0",
        "SITE_URL": "https://blog.example.com",
    }
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    env["DJANGO_EMAIL_PORT"] = str(controller.port)
    count_file = work / "queries"
    worker = None
    try:
        for command in (["migrate", "--noinput"], ["load_demo"]):
            subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        log = open(work / "worker.log", "w")
        worker = subprocess.Popen(
            [PY, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.5"],
            cwd=ROOT,
            env={
                **env,
                "DJANGO_SETTINGS_MODULE": "send_settings",
                "PYTHONPATH": str(ROOT / "bench"),
                "BENCH_QUERY_COUNT_FILE": str(count_file),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not count_file.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start; see {work / 'worker.log'}")
            time.sleep(0.1)
        results = [
            send_once(env, counter, count_file, worker, max(1, SUBSCRIBERS // 10), "bench-tenth"),
            send_once(env, counter, count_file, worker, SUBSCRIBERS, "bench-all"),
        ]
        small = results[0]["recipients"]
        # The first tenth of the list got both issues, the rest one each: anything else is a duplicate or a gap.
        expected = {f"reader{i:06}@bench.example": 2 if i < small else 1 for i in range(SUBSCRIBERS)}
        if dict(counter.received) != expected:
            raise SystemExit("the SMTP server did not receive exactly one message per recipient and issue")
        return results
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        controller.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(results):
    print()
    header = f"{'newsletter send':34} {'msg/s':>9} {'peak RSS MB':>12} {'queries/recipient':>18}"
    print(header)
    print("-" * len(header))
    for r in results:
        name = f"{r['recipients']:,} recipients"
        print(
            f"{name:34} {r['recipients'] / r['seconds']:9.0f} {r['peak_mb']:12.0f} "
            f"{r['queries'] / r['recipients']:18.2f}"
        )
    small, large = results
    extra = (large["queries"] - small["queries"]) / max(1, large["recipients"] - small["recipients"])
    print(
        f"Each further recipient costs {extra:.2f} queries (the rest is a fixed cost per send); peak RSS "
        f"{small['peak_mb']:.0f} MB at {small['recipients']:,} vs {large['peak_mb']:.0f} MB at {large['recipients']:,}."
    )
    print("(worker: db_worker, SMTP: aiosmtpd on 127.0.0.1; goals: RSS flat and under 150 MB, queries constant)")


if __name__ == "__main__":
    report(run())
