"""Outbound shop links: UTM parameters merged into the shop URL."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


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
