"""Cache flooding: made-up query values store nothing, keys are bounded, one client adds a bounded number
of pages, and page entries cannot evict rate-limit counters or spent signup stamps."""

import pytest
from django.core.cache import cache, caches
from django.test import Client

from core import pagecache
from tests.factories import signup_data


def _page_entries() -> int:
    return sum(1 for key in cache._cache if ":pagecache:" in key and not key.endswith(pagecache.GENERATION_KEY))


@pytest.fixture
def shop(page_cache, demo):
    pagecache._local_entries.clear()
    yield Client()
    pagecache._local_entries.clear()


def test_a_flood_of_made_up_values_stores_nothing(shop):
    for n in range(300):
        response = shop.get(f"/shop/?sort=flood{n}")
        assert response.status_code == 200 and "X-Page-Cache" not in response
    assert _page_entries() == 0


def test_a_flood_of_campaign_tags_stores_one_page(shop):
    """utm_* and click ids are left out of the key (pages never read them): one entry, however many values."""
    for n in range(50):
        assert shop.get(f"/shop/?utm_source=flood{n}&gclid={n}").status_code == 200
    assert _page_entries() == 1


@pytest.mark.parametrize(
    "query",
    ["sort=flood", "category=nope", "page=01", "page=0", "page=-1", "page=99999", "page=1&page=2"],
)
def test_values_the_view_does_not_accept_bypass_the_cache(shop, query):
    response = shop.get(f"/shop/?{query}")
    assert "X-Page-Cache" not in response
    if response.status_code == 200:
        assert "private" in response["Cache-Control"]
    assert _page_entries() == 0


def test_accepted_values_are_cached_once_whatever_their_order(shop):
    assert shop.get("/shop/?sort=newest&category=sneakers")["X-Page-Cache"] == "miss"
    assert shop.get("/shop/?category=sneakers&sort=newest")["X-Page-Cache"] == "hit"
    assert shop.get("/blog/?page=1")["X-Page-Cache"] == "miss"
    assert _page_entries() == 2


def test_keys_are_short_and_safe_for_memcached(shop):
    shop.get("/shop/?sort=newest&category=sneakers")
    long_key = pagecache._key("pagecache", "g" * 16, "example.com/" + "x" * 5000 + "?page=1")
    for key in [*cache._cache, long_key]:
        assert len(key) < 250 and " " not in key


def test_one_client_adds_a_bounded_number_of_pages(shop, settings):
    settings.PAGE_CACHE_STORES_PER_MINUTE = 3
    pages = ["/", "/blog/", "/shop/", "/shop/women/", "/shop/men/"]
    assert [shop.get(url)["X-Page-Cache"] for url in pages] == ["miss"] * 5
    assert _page_entries() == 3
    assert [shop.get(url)["X-Page-Cache"] for url in pages] == ["hit"] * 3 + ["miss"] * 2
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.get("/shop/men/")["X-Page-Cache"] == "miss"
    assert _page_entries() == 4


def test_page_entries_cannot_evict_the_signup_limit_or_spent_stamps(client, db, settings):
    settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE = 2
    stamped = signup_data(email="spent@example.com")
    statuses = [client.post("/newsletter/", data).status_code for data in (stamped, signup_data(email="b@example.com"))]
    assert 429 not in statuses
    assert client.post("/newsletter/", signup_data(email="c@example.com")).status_code == 429
    # A flood fills the page cache far past its MAX_ENTRIES (it culls as it goes).
    for n in range(2 * cache._max_entries):
        cache.set(f"pagecache:flood:{n}", b"<html>", 60)
    assert client.post("/newsletter/", signup_data(email="d@example.com")).status_code == 429
    assert any("ratelimit:signup:" in key for key in caches["limits"]._cache)
    assert any("newsletter:stamp:" in key for key in caches["limits"]._cache)


def test_the_limits_cache_is_apart_from_the_pages_by_default():
    from kuru_site.cache_url import parse_cache_url, parse_limits_cache_url

    assert parse_limits_cache_url("locmem://")["LOCATION"] != parse_cache_url("locmem://")["LOCATION"]
    assert parse_limits_cache_url("db://kuru_cache")["LOCATION"] == "kuru_cache_limits"
    assert parse_limits_cache_url("redis://127.0.0.1:6379/0")["KEY_PREFIX"] == "limits"
