import os
import shutil
import time
import urllib.request

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread


# One request at a time. On SQLite the live server's threads share the test's
# in-memory connection, and the change form's own requests (live preview,
# autosave, presence) would otherwise overlap a navigation and break that
# connection's transaction for every later test. Django's single-threaded
# server closes each connection after its response, so no keep-alive waits.
class SerialWSGIServer(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        # The live server's own thread serves every request; LiveServerThread.run() has given it the
        # overridden connections already.
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialWSGIServer

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Playwright's sync API runs an event loop in this thread; the ORM work in
# fixtures happens before it starts, so Django's async guard can stand down.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = "Chromium not found: install Debian's package with `apt-get install chromium`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _live_server_drained(request):
    """After a test, wait for the requests a closed page sent on its way out (the change form saves on
    pagehide): the server answers one request at a time, so two answered requests later it is idle and
    the database can be flushed. Set up after pytest-django's database fixture, so torn down before it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live_server")
    yield
    for _ in range(2):
        time.sleep(0.2)
        with urllib.request.urlopen(f"{server.url}/robots.txt", timeout=60) as response:
            response.read()


@pytest.fixture
def live_demo(live_server, transactional_db, page_cache, load_demo):
    load_demo()
    return live_server
