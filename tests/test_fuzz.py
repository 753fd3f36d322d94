"""Every public route, fed random paths, query strings, headers and form bodies, answers without a 5xx.

Runs on whichever database the suite runs on (CI runs it on SQLite and on
PostgreSQL, which refuses NUL characters that SQLite stores). The number of
examples is bounded, so the whole module takes seconds.
"""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

ROUTES = [
    "/{}",
    "/blog/{}/",
    "/blog/topics/{}/",
    "/blog/topics/{}/feed/",
    "/blog/topics/{}/feed/atom/",
    "/blog/preview/shared/{}/",
    "/authors/{}/",
    "/shop/{}/",
    "/shop/{}/review/",
    "/go/{}/",
    "/newsletter/confirm/{}/",
    "/newsletter/unsubscribe/{}/",
    "/media/{}",
    "/static/{}",
]
# Long addresses make long page-cache keys, which memcached would refuse (we use locmem, the database or Redis).
pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
FIXED = [
    "/",
    "/blog/",
    "/blog/feed/",
    "/blog/feed/atom/",
    "/blog/can-foot-pain-cause-knee-pain/",
    "/blog/topics/knee-pain/",
    "/shop/atom-mens-athletic-sneaker-jet-black-white-fire-red/",
    "/search/",
    "/shop/",
    "/shop/women/",
    "/shop/men/",
    "/newsletter/",
    "/newsletter/token/",
    "/sitemap.xml",
    "/robots.txt",
]
QUERY_KEYS = ["page", "sort", "category", "q", "topic", "article", "placement", "review", "subscribed", "next"]
FORM_KEYS = ["email", "website", "rendered_at", "source_url", "placement", "next", "stars", "title", "text"]

# Any character, NUL and other controls, surrogates left out (they cannot be encoded).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
LONG_TEXT = st.one_of(TEXT, st.text(st.sampled_from("a\x00é/%.."), min_size=200, max_size=400))
PATHS = st.one_of(
    st.sampled_from(FIXED),
    st.builds(lambda route, s: route.format(quote(s, safe="")), st.sampled_from(ROUTES), LONG_TEXT),
)
QUERIES = st.dictionaries(st.one_of(st.sampled_from(QUERY_KEYS), TEXT), LONG_TEXT, max_size=4)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_ACCEPT": st.one_of(HEADER_TEXT, st.just("application/json")),
        "HTTP_IF_NONE_MATCH": HEADER_TEXT,
        "HTTP_COOKIE": HEADER_TEXT,
        "HTTP_ACCEPT_LANGUAGE": HEADER_TEXT,
        "HTTP_USER_AGENT": HEADER_TEXT,
        "HTTP_X_FORWARDED_PROTO": HEADER_TEXT,
        "HTTP_REFERER": HEADER_TEXT,
    },
)
FORMS = st.dictionaries(st.one_of(st.sampled_from(FORM_KEYS), TEXT), LONG_TEXT, max_size=6)
BOUNDED = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)


def no_server_error(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what}"


@pytest.fixture
def site(demo, settings):
    settings.ALLOWED_HOSTS = ["*"]
    return demo


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "page-cache"])
@BOUNDED
@given(path=PATHS, query=QUERIES, headers=HEADERS)
def test_gets_never_answer_5xx(client, site, settings, cached, path, query, headers):
    settings.PAGE_CACHE_ENABLED = cached
    url = f"{path}?{urlencode(query)}" if query else path
    no_server_error(client.get(url, **headers), f"GET {url!r} {headers!r}")


@BOUNDED
@given(
    path=st.sampled_from(
        ["/newsletter/", "/shop/atom-mens-athletic-sneaker-jet-black-white-fire-red/review/", "/blog/", "/search/"]
    ),
    form=FORMS,
)
def test_form_posts_never_answer_5xx(client, site, path, form):
    no_server_error(client.post(path, form), f"POST {path} {form!r}")


@BOUNDED
@given(path=PATHS, body=st.binary(max_size=300), content_type=HEADER_TEXT)
def test_raw_bodies_never_answer_5xx(client, site, path, body, content_type):
    no_server_error(client.generic("POST", path, body, content_type=content_type), f"POST {path!r} {body!r}")
