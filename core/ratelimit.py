"""One rate limiter for every public form: a counter per client and time window, in CACHES["limits"]."""

import ipaddress
import logging
import time

from django.utils.crypto import salted_hmac

from .cacheguard import CacheUnavailable, guarded

logger = logging.getLogger(__name__)


def client_network(request) -> str:
    """The client's address; for IPv6 the first address of its /64, as one home or server holds the whole /64.

    Also django-axes' AXES_CLIENT_IP_CALLABLE: admin login failures count the same way.
    """
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def is_rate_limited(request, *, scope: str, limit: int, period: int) -> bool:
    """Count this request against the client's `limit` per `period` seconds for `scope`; True past it.

    The cache key holds a keyed hash of the client's network, never the address.
    Without the cache (an outage) the request is let through and a warning logged:
    a limit that locked everyone out would take the forms down with the cache.
    """
    client = salted_hmac(f"ratelimit.{scope}", client_network(request)).hexdigest()[:32]
    key = f"ratelimit:{scope}:{client}:{int(time.time() // period)}"
    cache = guarded("limits")
    try:
        cache.add(key, 0, period + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, period + 60)
            count = 1
    except CacheUnavailable:
        logger.warning("Rate limit %s not counted: the cache is unavailable.", scope)
        return False
    return count > limit
