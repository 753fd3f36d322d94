"""Outbound shop links: UTM parameters merged into the shop URL, and bot detection for click counts."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|monitor|curl|wget|python-requests|httpx|"
    r"headless|lighthouse|scrapy|go-http-client|java/|libwww|okhttp",
    re.IGNORECASE,
)


def looks_like_bot(user_agent: str) -> bool:
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


def with_utm(shop_url: str, *, campaign: str, content: str, medium: str = "product-card") -> str:
    """shop_url with utm_* set (ours win over any already there); its other parameters are kept."""
    parts = urlsplit(shop_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [
        ("utm_source", "kuru-blog"),
        ("utm_medium", medium),
        ("utm_campaign", campaign or "none"),
        ("utm_content", content or "none"),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
