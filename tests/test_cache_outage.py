"""A cache outage is not a site outage: with Redis stopped or frozen, pages answer 200, uncached, promptly."""

import logging
import time

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from articles.pageviews import popular_articles
from core import pagecache
from core.cacheguard import reset
from kuru_site.cache_url import REDIS_SOCKET_TIMEOUT, parse_cache_url
from tests.factories import signup_data

CACHED = ["/", "/blog/", "/blog/can-foot-pain-cause-knee-pain/", "/shop/", "/shop/women/"]
PAGES = [*CACHED, "/shop/quantum-2-0-womens-sneaker-pewter-night-sky/"]
# One time-out per request at most, plus rendering the page afresh (well under a second here).
BUDGET = REDIS_SOCKET_TIMEOUT + 1.0


@pytest.fixture
def redis_cache(settings, redis_server, page_cache, demo):
    """The demo, with the page cache in the test's own Redis (warmed: every page is a hit)."""
    original = settings.CACHES
    settings.CACHES = {"default": parse_cache_url(redis_server.url)}
    pagecache._local_entries.clear()
    try:
        client = Client()
        for url in PAGES:
            client.get(url)
            assert client.get(url)["X-Page-Cache"] == "hit", url
        yield redis_server
    finally:
        redis_server.stop()
        pagecache._local_entries.clear()
        settings.CACHES = original


def _timed(client, url, **kwargs):
    started = time.monotonic()
    response = client.get(url, **kwargs)
    return response, time.monotonic() - started


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_pages_render_uncached_within_the_socket_timeout(redis_cache, outage, caplog):
    if outage == "stopped":
        redis_cache.stop()
    else:
        redis_cache.freeze()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="core.cacheguard"):
        for url in PAGES:
            response, seconds = _timed(client, url)
            assert response.status_code == 200, url
            assert response["X-Page-Cache"] == "unavailable", url
            assert "private" in response["Cache-Control"]
            assert seconds < BUDGET, (url, seconds)
    warnings = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(warnings) == len(PAGES)  # one per request, not one per cache call
    redis_cache.thaw()


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_forms_and_the_500_page_work_without_the_cache(redis_cache, outage):
    if outage == "stopped":
        redis_cache.stop()
    else:
        redis_cache.freeze()
    client = Client()
    assert client.get("/newsletter/").status_code == 200
    client.get("/newsletter/token/")
    started = time.monotonic()
    response = client.post("/newsletter/", signup_data(email="outage@example.com"))
    assert response.status_code in (200, 302)
    assert time.monotonic() - started < 2 * BUDGET  # the limiter and the stamp: one alias, one time-out
    reset()  # a new request: the page's popular articles try the cache once more
    started = time.monotonic()
    assert popular_articles() == []
    assert server_error(RequestFactory().get("/")).status_code == 500
    assert time.monotonic() - started < BUDGET
    redis_cache.thaw()


def test_pages_are_cached_again_once_redis_is_back(redis_cache):
    redis_cache.freeze()
    client = Client()
    assert client.get("/")["X-Page-Cache"] == "unavailable"
    redis_cache.thaw()
    time.sleep(0.1)
    assert client.get("/")["X-Page-Cache"] in ("hit", "miss")
    assert client.get("/")["X-Page-Cache"] == "hit"
