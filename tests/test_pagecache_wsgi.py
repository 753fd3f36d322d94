"""core.pagecache.PageCacheApplication: hits answered before Django runs, with the headers Django sent."""

import logging
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import close_old_connections

from articles import pageviews
from core import pagecache
from kuru_site.wsgi import application

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
# Set by the server or afresh for each response.
PER_RESPONSE = {"X-Page-Cache", "Date", "Server"}


class Sent:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        self.code = int(status.split()[0])

    def __getitem__(self, name):
        return dict(self.headers)[name]

    def get(self, name, default=None):
        return dict(self.headers).get(name, default)

    def lasting_headers(self):
        return sorted((name, value) for name, value in self.headers if name not in PER_RESPONSE)


def serve(path=SEED_URL, method="GET", query="", **environ):
    """One request through the WSGI application the server runs (kuru_site/wsgi.py)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": BROWSER,
        **environ,
    }
    setup_testing_defaults(environ)
    sent = {}

    def start_response(status, headers, exc_info=None):
        sent.update(status=status, headers=headers)

    # As Django's test client does: the test's connection (and its transaction) outlives the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    answer = Sent(sent["status"], sent["headers"], body)
    answer.environ = environ
    return answer


@pytest.fixture
def wired(page_cache, demo, django_capture_on_commit_callbacks):
    pagecache._local_entries.clear()

    class Helper:
        def save(self, obj):
            with django_capture_on_commit_callbacks(execute=True):
                obj.save()

    yield Helper()
    pagecache._local_entries.clear()


def test_a_hit_sends_what_the_miss_sent_without_touching_the_database(wired, django_assert_num_queries):
    miss = serve()
    assert (miss.code, miss["X-Page-Cache"]) == (200, "miss")
    with django_assert_num_queries(0):
        hit = serve()
    assert (hit.code, hit["X-Page-Cache"]) == (200, "hit")
    assert hit.body == miss.body
    assert hit.lasting_headers() == miss.lasting_headers()
    for header in ["Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"]:
        assert hit[header] == miss[header], header
    assert hit["Permissions-Policy"] and hit["Cross-Origin-Opener-Policy"] == "same-origin"
    assert hit["Content-Length"] == str(len(hit.body))
    assert "public" in hit["Cache-Control"] and hit["ETag"] == miss["ETag"]


def test_the_etag_gives_a_304_and_head_no_body(wired):
    etag = serve()["ETag"]
    not_modified = serve(HTTP_IF_NONE_MATCH=etag)
    assert (not_modified.code, not_modified.body, not_modified["X-Page-Cache"]) == (304, b"", "hit")
    assert not_modified.get("Content-Type") is None and not_modified.get("Content-Length") is None
    assert not_modified["ETag"] == etag and not_modified["Content-Security-Policy"]
    head = serve(method="HEAD")
    assert (head.code, head.body, head["X-Page-Cache"]) == (200, b"", "hit")
    assert int(head["Content-Length"]) == len(serve().body)


def test_a_content_save_is_seen_at_once(wired, demo):
    serve()
    assert serve()["X-Page-Cache"] == "hit"
    demo.title = "A new title from the editor"
    wired.save(demo)
    fresh = serve()
    assert fresh["X-Page-Cache"] == "miss"
    assert b"A new title from the editor" in fresh.body
    assert serve()["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_COOKIE": "messages=abc"},
        {"query": "bench=uncached"},
        {"query": "page=1&page=2"},
        {"method": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded"},
    ],
)
def test_a_visitors_own_page_is_left_to_django(wired, request_kwargs):
    serve()
    assert serve()["X-Page-Cache"] == "hit"
    response = serve(**request_kwargs)
    assert response.get("X-Page-Cache") != "hit"
    assert response.code != 500


def test_another_host_or_scheme_is_never_served_a_page_stored_for_one(wired, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    serve()
    assert serve()["X-Page-Cache"] == "hit"
    assert serve(HTTP_HOST="other.example")["X-Page-Cache"] == "miss"
    assert serve(**{"wsgi.url_scheme": "https"})["X-Page-Cache"] == "miss"
    refused = serve(HTTP_HOST="evil.example")
    assert refused.code == 400 and refused.get("X-Page-Cache") is None


def test_hits_count_as_views_of_the_article_bots_do_not(wired):
    serve()  # the miss, counted by ArticleViewMiddleware
    serve()
    serve(HTTP_IF_NONE_MATCH=serve()["ETag"])  # a revalidation is a view too
    serve(HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    serve("/blog/")
    views = {slug: n for (slug, _day), n in pageviews.pending().items()}
    assert views == {"can-foot-pain-cause-knee-pain": 4}


def test_nothing_is_stored_past_the_clients_store_limit(wired, settings):
    settings.PAGE_CACHE_STORES_PER_MINUTE = 0
    assert serve()["X-Page-Cache"] == "miss"
    assert serve()["X-Page-Cache"] == "miss"


def test_a_due_generation_is_renewed_inside_django(wired, monkeypatch):
    from django.core.cache import cache

    serve()
    assert serve()["X-Page-Cache"] == "hit"
    token, _ = cache.get(pagecache.GENERATION_KEY)
    cache.set(pagecache.GENERATION_KEY, (token, 1.0), None)  # a scheduled change came due
    renewed = serve()
    assert renewed["X-Page-Cache"] == "miss"
    assert cache.get(pagecache.GENERATION_KEY)[0] != token
    assert serve()["X-Page-Cache"] == "hit"


def test_a_cache_outage_renders_the_page_once_without_it(wired, monkeypatch, caplog):
    serve()

    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("django.core.cache.backends.locmem.LocMemCache.get", down)
    pagecache._local_entries.clear()
    with caplog.at_level(logging.WARNING, logger="core.cacheguard"):
        response = serve()
    assert response.code == 200 and response["X-Page-Cache"] == "unavailable"
    assert "private" in response["Cache-Control"]
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1


def test_pages_of_an_earlier_release_are_never_served(wired, monkeypatch):
    """A deploy changes templates and static file names: the new code reads only its own entries."""
    monkeypatch.setattr(pagecache, "_release", "release-one")
    serve()
    assert serve()["X-Page-Cache"] == "hit"
    monkeypatch.setattr(pagecache, "_release", "release-two")
    assert serve()["X-Page-Cache"] == "miss"
    assert serve()["X-Page-Cache"] == "hit"


def test_the_release_fingerprint_follows_templates_and_the_static_manifest(settings, tmp_path):
    templates, static_root = tmp_path / "templates", tmp_path / "static"
    templates.mkdir(), static_root.mkdir()
    page = templates / "page.html"
    page.write_text("<p>one</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [templates]}]
    settings.STATIC_ROOT = static_root
    first = pagecache._fingerprint()
    assert pagecache._fingerprint() == first
    page.write_text("<p>two, longer</p>")
    second = pagecache._fingerprint()
    assert second != first
    (static_root / "staticfiles.json").write_text('{"paths": {"css/site.css": "css/site.abc123.css"}}')
    assert pagecache._fingerprint() not in (first, second)


def test_a_release_named_in_the_environment_wins(settings, monkeypatch):
    monkeypatch.setattr(pagecache, "_release", None)
    settings.PAGE_CACHE_RELEASE = "4f2c9e1"
    assert pagecache.code_release() == "4f2c9e1"


@pytest.mark.parametrize("raw", ["/blog/\u202e/", "/blog/é/", "/\U0001f45f/"])
def test_a_path_beyond_latin_1_is_read_once_and_answered_404(wired, raw):
    # A WSGI server hands PATH_INFO over as the request's bytes read as Latin-1.
    sent = serve(raw.encode().decode("latin-1"))
    assert sent.code == 404 and b"<html" in sent.body.lower()
    # Django decodes it once (WSGIRequest writes the text back): "é", never "Ã©".
    assert sent.environ["PATH_INFO"] == raw


def test_a_host_is_checked_against_allowed_hosts_as_they_are_now(wired, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    serve()
    assert serve()["X-Page-Cache"] == "hit"
    settings.ALLOWED_HOSTS = ["kuru.example"]
    assert serve().code == 400  # refused, though the same host was accepted a moment ago
    assert serve(HTTP_HOST="kuru.example").code == 200
    settings.ALLOWED_HOSTS = ["testserver"]
    assert serve(HTTP_HOST="kuru.example").code == 400
    assert serve()["X-Page-Cache"] == "hit"
