"""
The “Articles that sell” report at the size issue #18 names, for `make bench`: prints its rows.

Grows the database to BENCH_REPORT_ARTICLES articles (seed_bulk), writes a view
count for every article on each of the last BENCH_REPORT_DAYS days and
BENCH_REPORT_CLICKS clicks spread over those days (bulk inserts in batches, a
fixed random seed), then asks the admin view for the report over those days,
as HTML and as CSV, through Django's test client: BENCH_REPORT_RUNS timed runs
after a warm one, and the number of queries of one more. Defaults: 10,000
articles, 90 days, 1,000,000 clicks, 5 runs.

bench/run.py runs it on its large database; alone:
DJANGO_DEBUG=1 BENCH_REPORT_CLICKS=20000 BENCH_REPORT_ARTICLES=200 .venv/bin/python bench/report.py
(DATABASE_URL, or a fresh SQLite file in a temporary folder).
"""

import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = int(os.environ.get("BENCH_REPORT_ARTICLES", "10000"))
DAYS = int(os.environ.get("BENCH_REPORT_DAYS", "90"))
CLICKS = int(os.environ.get("BENCH_REPORT_CLICKS", "1000000"))
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "5"))
BATCH = 10_000
PLACEMENTS = ["card-1", "card-2", "card-3", "card-4", "product-page", "newsletter-1"]


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuru_site.settings")
    fresh = "DATABASE_URL" not in os.environ
    if fresh:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='kuru-report-')}/report.sqlite3"
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def generate(rng):
    """Articles, daily views and clicks of the configured size; returns the first day and {step: seconds}."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.models import Article
    from products.models import ArticleDailyViews, Click, Product, click_day

    steps, started = {}, time.monotonic()
    missing = ARTICLES - Article.objects.count()
    if missing > 0:
        products = 0 if Product.objects.exists() else 50
        call_command("seed_bulk", articles=missing, products=products, stdout=io.StringIO())
    article_ids = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:ARTICLES])
    product_ids = list(Product.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    first = today - timedelta(days=DAYS - 1)
    steps["articles"], started = time.monotonic() - started, time.monotonic()

    with transaction.atomic():
        ArticleDailyViews.objects.bulk_create(
            (
                ArticleDailyViews(article_id=pk, day=first + timedelta(days=d), views=rng.randint(1, 400))
                for pk in article_ids
                for d in range(DAYS)
            ),
            batch_size=BATCH,
            ignore_conflicts=True,  # a second run over the same database keeps the first one's counts
        )

    steps["views"], started = time.monotonic() - started, time.monotonic()
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    span = int((timezone.now() - since).total_seconds())
    # Multi-row INSERTs of plain tuples: model instances and bulk_create's per-row work would be
    # most of the time at a million rows. Click.save() sets day; here it is set the same way.
    ops, quote = connection.ops, connection.ops.quote_name
    columns = ["product_id", "article_id", "placement", "campaign", "is_bot", "created_at", "day"]
    per_insert = 140  # 980 parameters: under SQLite's oldest limit (999)
    insert = f"INSERT INTO {quote(Click._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(0, CLICKS, per_insert):
            rows = []
            for _ in range(min(per_insert, CLICKS - offset)):
                moment = since + timedelta(seconds=rng.randrange(span))
                rows += [
                    rng.choice(product_ids),
                    rng.choice(article_ids) if rng.random() < 0.85 else None,
                    rng.choice(PLACEMENTS),
                    "",
                    rng.random() < 0.05,
                    ops.adapt_datetimefield_value(moment),
                    ops.adapt_datefield_value(click_day(moment)),
                ]
            cursor.execute(insert + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * (len(rows) // 7)), rows)
    steps["clicks"], started = time.monotonic() - started, time.monotonic()
    settle()
    steps["analyze"] = time.monotonic() - started
    return first, steps


def settle():
    """Fresh planner statistics after the bulk inserts, as a database in use has them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(first):
    """(median ms, bytes) of the HTML and the CSV report, and the query count of one HTML report."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost").lstrip(".")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-report", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    params = {"start": first.isoformat(), "end": timezone.localdate().isoformat()}
    results = {}
    for name, extra in (("HTML", {}), ("CSV", {"format": "csv"})):
        client.get("/admin/products/click/report/", {**params, **extra})  # warm
        times, size = [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get("/admin/products/click/report/", {**params, **extra})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            size = len(response.content)
        results[name] = (statistics.median(times), size)
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/products/click/report/", params)
    return results, len(queries)


def main():
    setup()
    rng = random.Random(18)
    first, steps = generate(rng)
    print(
        f"Report data: {ARTICLES:,} articles, {DAYS} days of views, {CLICKS:,} clicks, generated in "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.items()),
        flush=True,
    )
    results, queries = measure(first)
    for name, (ms, size) in results.items():
        label = f"report {name}, {DAYS} d, {CLICKS // 1000:,}k clicks"
        print(f"{label:34} p50 {ms:9.1f} ms {size:10d} bytes, median of {RUNS}")
    print(f"Report queries (HTML, with the admin's session and user): {queries}")


if __name__ == "__main__":
    main()
