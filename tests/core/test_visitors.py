"""core.visitors.looks_like_bot(): the same answer with or without its memo."""

import pytest

from core.visitors import _search_bots, looks_like_bot

AGENTS = [
    ("", True),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", False),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("curl/8.5.0", True),
    ("Mozilla/5.0 " + "x" * 600, False),  # too long for the memo
    ("Mozilla/5.0 " + "x" * 600 + " HeadlessChrome/120", True),
]


@pytest.mark.parametrize("agent,is_bot", AGENTS)
def test_bot_answers(agent, is_bot):
    assert looks_like_bot(agent) is is_bot
    assert looks_like_bot(agent) is is_bot  # asked again: from the memo where it fits
    assert _search_bots(agent) is is_bot
