from django.core.cache import caches
from django.test import RequestFactory

from core.ratelimit import client_network, is_rate_limited


def request_from(address):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_the_limit_counts_per_client_and_scope(db):
    first = request_from("198.51.100.7")
    assert [is_rate_limited(first, scope="t", limit=2, period=60) for _ in range(3)] == [False, False, True]
    assert not is_rate_limited(request_from("198.51.100.8"), scope="t", limit=2, period=60)
    assert not is_rate_limited(first, scope="other", limit=2, period=60)


def test_one_ipv6_64_is_one_client():
    assert client_network(request_from("2001:db8:1:2::1")) == client_network(request_from("2001:db8:1:2:ffff::9"))
    assert client_network(request_from("2001:db8:1:2::1")) != client_network(request_from("2001:db8:1:3::1"))
    assert client_network(request_from("::ffff:198.51.100.7")) == "198.51.100.7"


def test_an_ipv6_64_shares_one_allowance(db):
    for n in range(2):
        assert not is_rate_limited(request_from(f"2001:db8::{n + 1}"), scope="t", limit=2, period=60)
    assert is_rate_limited(request_from("2001:db8::ff"), scope="t", limit=2, period=60)


def test_the_cache_key_holds_no_address(db):
    is_rate_limited(request_from("203.0.113.55"), scope="t", limit=2, period=60)
    keys = [key for key in caches["limits"]._cache if "ratelimit:t:" in key]
    assert len(keys) == 1 and "203.0.113.55" not in keys[0]
