"""Who is asking: bots and logged-in staff are left out of view and click counts."""

import functools
import re

from django.conf import settings

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|monitor|curl|wget|python-requests|httpx|"
    r"headless|lighthouse|scrapy|go-http-client|java/|libwww|okhttp",
    re.IGNORECASE,
)


def looks_like_bot(user_agent: str) -> bool:
    # Asked on every page-cache hit: the regular expression costs a few µs on a browser's
    # User-Agent, a lookup far less, and few distinct agents make most of the traffic.
    if len(user_agent) > 512:  # no real browser's; not worth a place in the memo
        return _search_bots(user_agent)
    return _remembered_bot_answer(user_agent)


def _search_bots(user_agent: str) -> bool:
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


# A pure function's answers (at most 1024 x 512 characters), never state that could go stale.
_remembered_bot_answer = functools.lru_cache(maxsize=1024)(_search_bots)


def is_staff_visit(request) -> bool:
    """A logged-in staff member (previewing, checking): left out of views and clicks."""
    # Only a visitor with a session cookie can be logged in (and such a visitor bypasses the page cache).
    cookies = request.COOKIES
    if not cookies or settings.SESSION_COOKIE_NAME not in cookies:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_staff)
