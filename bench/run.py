"""
`make bench`: the site under load, the way production runs it, against its physical limit.

Starts gunicorn (DJANGO_DEBUG off, collected static files, a migrated database
with the demo and bulk content, a shared Redis cache when redis-server is
installed, else the database cache), a minimal WSGI app that serves the
article's exact bytes under the same gunicorn settings (the baseline), and
drives both with wrk on 127.0.0.1 in alternating rounds. Prints medians and
each figure as a ratio to the baseline. For the scale check (/blog/ and the
article page), a copy of the database grown to BULK_LARGE bulk articles is
served by a second gunicorn and measured in alternation with the first.
Everything it starts is stopped by process id at the end. Bounded: ROUNDS x
targets x DURATION seconds of load.

Then the newsletter send row (bench/send.py): an issue sent to
BENCH_SEND_SUBSCRIBERS through a real db_worker and SMTP server.

Environment: BENCH_ROUNDS (3), BENCH_DURATION (4 s), BENCH_CONNECTIONS (8),
BENCH_WORKERS (2), BENCH_BULK_SMALL (100), BENCH_BULK_LARGE (10000),
BENCH_SEND_SUBSCRIBERS (10000), DATABASE_URL (default: a fresh SQLite file).
bench/report.py times the "Articles that sell" report on the large database
grown to issue #18's size (BENCH_REPORT_ARTICLES, BENCH_REPORT_DAYS,
BENCH_REPORT_CLICKS, BENCH_REPORT_RUNS; BENCH_REPORT_CLICKS=0 leaves it out).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = int(os.environ.get("BENCH_DURATION", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
BULK_SMALL = int(os.environ.get("BENCH_BULK_SMALL", "100"))
BULK_LARGE = int(os.environ.get("BENCH_BULK_LARGE", "10000"))
ARTICLE = "/blog/can-foot-pain-cause-knee-pain/"
PRODUCT = "/shop/atom-mens-athletic-sneaker-jet-black-white-fire-red/"
UNCACHED = "?bench=uncached"  # any unknown query parameter bypasses the page cache

processes: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, env, log):
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(proc)
    return proc


def stop_all():
    for proc in reversed(processes):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
READER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def wrk(url, script=None, extra_env=None):
    # A browser's User-Agent: readers' views are counted (products/pageviews.py), bots' are not.
    cmd = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{DURATION}s",
        "--latency",
        "--timeout",
        "5s",
        "-H",
        f"User-Agent: {READER_AGENT}",
    ]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        cmd + [url], capture_output=True, text=True, check=True, env={**os.environ, **(extra_env or {})}
    ).stdout
    latency = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency.get("50"),
        "p90": latency.get("90"),
        "p99": latency.get("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


def csrf_pair(base):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = json.loads(opener.open(base + "/newsletter/token/").read())["token"]
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return token, cookie


def rss_mb(pid) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workers_of(master_pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def run_rounds(targets, base, baseline_url):
    """Alternate every target in each round (A B A B) and keep per-target samples."""
    samples = {name: [] for name in ["baseline", *targets]}
    for round_number in range(1, ROUNDS + 1):
        for name in ["baseline", *targets]:
            if name == "baseline":
                samples[name].append(wrk(baseline_url))
                continue
            path, script, extra = targets[name]
            samples[name].append(wrk(path if path.startswith("http") else base + path, script, extra))
        print(f"  round {round_number}/{ROUNDS} done", flush=True)
    return samples


def run_ab_rounds(urls):
    """Alternate the given URLs in rounds (A B A B) and keep per-URL samples."""
    samples = {name: [] for name in urls}
    for round_number in range(1, ROUNDS + 1):
        for name, url in urls.items():
            samples[name].append(wrk(url))
        print(f"  scale round {round_number}/{ROUNDS} done", flush=True)
    return samples


def clone_database(url, work):
    """A copy of the benchmark database: a file copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL."""
    if url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///"))
        target = work / "bench-large.sqlite3"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    import psycopg2

    head, _, name = url.rpartition("/")
    clone = f"{name}_bench_large"
    connection = psycopg2.connect(f"{head}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{clone}"')
        cursor.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{name}"')
    connection.close()
    return f"{head}/{clone}"


def settle_database(url):
    """Have PostgreSQL do now the upkeep that bulk inserts leave (statistics, visibility map,
    dirty pages), not during the rounds: autovacuum wakes within a minute and takes CPU from
    the servers being measured. Nothing to do for SQLite."""
    if not url.startswith("postgres"):
        return
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")
        except psycopg2.Error:
            pass  # needs superuser or pg_checkpoint; the VACUUM is the larger part
    connection.close()


def median(samples, key):
    values = [s[key] for s in samples if s[key] is not None]
    return statistics.median(values) if values else float("nan")


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this).")
    work = Path(tempfile.mkdtemp(prefix="kuru-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}"),
        # All load comes from one address: measure throughput, not the abuse limit.
        "NEWSLETTER_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    log = open(work / "servers.log", "w")
    try:
        if shutil.which("redis-server"):
            redis_port = free_port()
            start(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                env,
                log,
            )
            env["CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        else:
            env["CACHE_URL"] = "db://kuru_cache"
        print(
            f"Preparing {work} (cache: {env['CACHE_URL'].split(':')[0]}, database: {env['DATABASE_URL'].split(':')[0]})"
        )
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput")
        manage(env, "load_demo")
        manage(env, "seed_bulk", "--articles", str(BULK_SMALL), "--products", "500", "--clear")

        # The scale check: the same site on a second database with BULK_LARGE bulk
        # articles, served by its own gunicorn and measured in alternation with
        # the first, so machine noise hits both sides alike. (Cloned before any
        # server connects: PostgreSQL copies only an unused template.)
        print(f"Seeding a copy of the database to {BULK_LARGE:,} bulk articles for the /blog/ scale check…", flush=True)
        large_name = f"/blog/ uncached, {BULK_LARGE:,} bulk"
        small_name = f"/blog/ uncached, {BULK_SMALL:,} bulk"
        large_env = {**env, "DATABASE_URL": clone_database(env["DATABASE_URL"], work)}
        manage(large_env, "seed_bulk", "--articles", str(BULK_LARGE - BULK_SMALL), "--products", "0")
        settle_database(env["DATABASE_URL"])
        settle_database(large_env["DATABASE_URL"])

        port, baseline_port = free_port(), free_port()
        gunicorn = [PY, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "sync", "--log-level", "warning"]
        site = start([*gunicorn, "--bind", f"127.0.0.1:{port}", "kuru_site.wsgi:application"], env, log)
        base = f"http://127.0.0.1:{port}"
        article_bytes = wait_http(base + ARTICLE)
        (work / "article.html").write_bytes(article_bytes)
        baseline_env = {**env, "BENCH_BASELINE_FILE": str(work / "article.html"), "PYTHONPATH": str(ROOT / "bench")}
        start([*gunicorn, "--bind", f"127.0.0.1:{baseline_port}", "baseline_wsgi:application"], baseline_env, log)
        baseline_url = f"http://127.0.0.1:{baseline_port}/"
        wait_http(baseline_url)

        # The same site on the default cache (locmem://, one per worker), for the page-cache hit goal
        # with the default cache; the main site runs on the shared Redis cache when installed.
        locmem_port = free_port()
        start(
            [*gunicorn, "--bind", f"127.0.0.1:{locmem_port}", "kuru_site.wsgi:application"],
            {**env, "CACHE_URL": "locmem://"},
            log,
        )
        locmem_base = f"http://127.0.0.1:{locmem_port}"
        wait_http(locmem_base + ARTICLE)

        token, cookie = csrf_pair(base)
        signup_env = {"BENCH_CSRF_TOKEN": token, "BENCH_CSRF_COOKIE": cookie, "BENCH_TAG": secrets.token_hex(3)}
        targets = {
            "article (page cache)": (ARTICLE, None, None),
            "article (page cache, locmem)": (locmem_base + ARTICLE, None, None),
            "article (uncached)": (ARTICLE + UNCACHED, None, None),
            "/blog/ (page cache)": ("/blog/", None, None),
            small_name: ("/blog/" + UNCACHED, None, None),
            "/ home (page cache)": ("/", None, None),
            "/shop/ (page cache)": ("/shop/", None, None),
            "product page (page cache)": (PRODUCT, None, None),
            "product page (uncached)": (PRODUCT + UNCACHED, None, None),
            "signup POST": ("/newsletter/", ROOT / "bench" / "signup.lua", signup_env),
        }
        sizes = {
            name: len(wait_http(path if path.startswith("http") else base + path))
            for name, (path, script, _) in targets.items()
            if not script
        }
        sizes["baseline"] = len(article_bytes)
        sizes["signup POST"] = 0
        print(
            f"Load: {ROUNDS} rounds x {len(targets) + 1} targets x {DURATION} s, {CONNECTIONS} connections, {WORKERS} workers"
        )
        samples = run_rounds(targets, base, baseline_url)

        large_port = free_port()
        start([*gunicorn, "--bind", f"127.0.0.1:{large_port}", "kuru_site.wsgi:application"], large_env, log)
        large_base = f"http://127.0.0.1:{large_port}"
        wait_http(large_base + "/blog/")
        # The article page too (not a goal of its own): its hand-written queries must
        # not read a table whole, and this is where a slip would show.
        article_small, article_large = "article scale check, small", f"article uncached, {BULK_LARGE:,} bulk"
        scale = run_ab_rounds(
            {
                small_name: base + "/blog/" + UNCACHED,
                large_name: large_base + "/blog/" + UNCACHED,
                article_small: base + ARTICLE + UNCACHED,
                article_large: large_base + ARTICLE + UNCACHED,
            }
        )
        samples[small_name] += scale[small_name]
        samples[large_name] = scale[large_name]
        samples[article_large] = scale[article_large]
        sizes[large_name] = len(wait_http(large_base + "/blog/" + UNCACHED))
        sizes[article_large] = len(wait_http(large_base + ARTICLE + UNCACHED))

        report_rows = []
        if os.environ.get("BENCH_REPORT_CLICKS", "1") != "0":
            # After the load rounds: the data it writes must not change what they measured.
            print("Timing the “Articles that sell” report on generated data (bench/report.py)…", flush=True)
            report_rows = subprocess.run(
                [PY, "bench/report.py"], cwd=ROOT, env=large_env, capture_output=True, text=True, check=True
            ).stdout.splitlines()

        total_requests = sum(s["requests"] for name, runs in samples.items() if name != "baseline" for s in runs)
        worker_rss = [rss_mb(pid) for pid in workers_of(site.pid)]

        base_rps = median(samples["baseline"], "rps")
        header = f"{'target':34} {'req/s':>9} {'x base':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'bytes':>8} {'non-2xx/3xx':>11}"
        print()
        print(header)
        print("-" * len(header))
        for name, runs in samples.items():
            rps = median(runs, "rps")
            print(
                f"{name:34} {rps:9.0f} {rps / base_rps:8.3f} {median(runs, 'p50'):8.2f} {median(runs, 'p90'):8.2f} "
                f"{median(runs, 'p99'):8.2f} {sizes.get(name, 0):8d} {sum(r['non2xx'] + r['socket_errors'] for r in runs):11d}"
            )
        small = median(scale[small_name], "p50")
        big = median(scale[large_name], "p50")
        print()
        print(
            f"/blog/ p50 at {BULK_LARGE:,} vs {BULK_SMALL:,} bulk articles, measured in alternation: "
            f"{big / small:.2f}x (goal: at most 1.5x)"
        )
        print(
            f"Article page p50 at {BULK_LARGE:,} vs {BULK_SMALL:,} bulk articles, measured in alternation: "
            f"{median(scale[article_large], 'p50') / median(scale[article_small], 'p50'):.2f}x"
        )
        print(
            f"gunicorn workers after {total_requests:,} requests to the site: "
            + ", ".join(f"{mb:.0f} MB RSS" for mb in worker_rss)
            + " (goal: under 120 MB)"
        )
        print(f"Medians of {ROUNDS} rounds; compare ratios, not absolute numbers from different runs.")
        if report_rows:
            print()
            print("\n".join(report_rows))
    finally:
        stop_all()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
    import send  # bench/send.py, beside this file

    print(
        f"Sending an issue to {send.SUBSCRIBERS:,} subscribers through db_worker and a local SMTP server…", flush=True
    )
    send.report(send.run())
