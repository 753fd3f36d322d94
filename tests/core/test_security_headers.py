"""Every response carries the same security headers: page-cache hit, miss, 304, errors and static files."""

import pytest
from django.test import Client

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Content-Type-Options",
)


def _security(response) -> dict:
    return {name: response.get(name) for name in SECURITY_HEADERS}


@pytest.fixture
def miss_headers(client, page_cache, demo):
    miss = client.get(SEED_URL)
    assert miss.status_code == 200 and miss["X-Page-Cache"] == "miss"
    return _security(miss)


def test_the_policy_forbids_framing_and_inline_code(miss_headers):
    csp = miss_headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert miss_headers["X-Frame-Options"] == "DENY"
    assert miss_headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert miss_headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in miss_headers["Permissions-Policy"]
    assert None not in miss_headers.values()


def test_a_hit_and_a_304_carry_the_miss_headers(client, miss_headers):
    hit = client.get(SEED_URL)
    assert hit["X-Page-Cache"] == "hit"
    assert _security(hit) == miss_headers
    not_modified = client.get(SEED_URL, HTTP_IF_NONE_MATCH=hit["ETag"])
    assert not_modified.status_code == 304
    assert _security(not_modified) == miss_headers


@pytest.mark.parametrize(
    "url, status",
    [
        ("/no/such/page/", 404),
        ("/blog/?topic=%00", 400),
        ("/static/css/site.css", 200),
        ("/static/no-such-file.css", 404),
    ],
)
def test_errors_and_static_files_carry_them_too(miss_headers, settings, url, status):
    # WhiteNoise serves from the finders as under runserver; its middleware reads this when a client starts.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(url)
    assert response.status_code == status
    assert _security(response) == miss_headers


def test_a_500_page_carries_them(miss_headers, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.ArticleListView, "get", broken)
    response = Client(raise_request_exception=False).get("/blog/")
    assert response.status_code == 500
    assert _security(response) == miss_headers
