"""
Search over articles (title, takeaways, section text, FAQs) and products.

PostgreSQL: full-text search with weighted fields (title A, excerpt B, the
rest C) from a stored, GIN-indexed tsvector, ranked by ts_rank. Other
databases (SQLite): every word must appear somewhere; title matches rank
first. Both highlight the matched words in the same way.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from products.models import Product

from .models import SEARCH_CONFIG, Article

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8

WORD = re.compile(r"[\w’'-]+", re.UNICODE)


class Query:
    """A reader's query, cleaned: what to search for, and what to tell them about it."""

    def __init__(self, raw: str):
        raw = (raw or "").strip()
        self.truncated = len(raw) > MAX_QUERY_LENGTH
        self.text = raw[:MAX_QUERY_LENGTH]
        words = [w.strip("’'-") for w in WORD.findall(self.text)]
        self.terms = [w for w in words if len(w) >= 2][:MAX_TERMS]

    @property
    def is_searchable(self):
        return bool(self.terms)


def search_articles(query: Query):
    # search_text is the result's excerpt when the article has none.
    published = Article.objects.published().select_related("author", "hero_image").defer("search_vector")
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(" ".join(query.terms), search_type="plain", config=SEARCH_CONFIG)
        return (
            published.filter(search_vector=ts_query)
            .annotate(rank=SearchRank("search_vector", ts_query))
            .order_by("-rank", "-published_at", "-id")
        )
    matches = published
    rank = Value(0, output_field=IntegerField())
    for term in query.terms:
        matches = matches.filter(Q(title__icontains=term) | Q(excerpt__icontains=term) | Q(search_text__icontains=term))
        rank = rank + Case(When(title__icontains=term, then=Value(3)), default=Value(0), output_field=IntegerField())
    return matches.annotate(rank=rank).order_by("-rank", "-published_at", "-id")


def search_products(query: Query, limit=6):
    products = Product.objects.active().select_related("image")
    for term in query.terms:
        products = products.filter(
            Q(name__icontains=term)
            | Q(line__icontains=term)
            | Q(colorway__icontains=term)
            | Q(description__icontains=term)
        )
    return products.with_article_pick().order_by("-is_recommended", "-rating_count")[:limit]


def highlight(text: str, query: Query, length: int = 240) -> str:
    """A snippet of `text` around the first matched word, every match wrapped in <mark>, escaped."""
    if not text:
        return ""
    pattern = (
        re.compile("|".join(re.escape(t) for t in sorted(query.terms, key=len, reverse=True)), re.I)
        if query.terms
        else None
    )
    start = 0
    if pattern:
        first = pattern.search(text)
        if first:
            start = max(0, first.start() - length // 3)
            while start > 0 and not text[start - 1].isspace():
                start -= 1
    snippet = text[start : start + length]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + length < len(text) else ""
    if not pattern:
        return escape(prefix + snippet + suffix)
    pieces, last = [], 0
    for match in pattern.finditer(snippet):
        pieces.append(escape(snippet[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(snippet[last:]))
    return mark_safe(escape(prefix) + "".join(pieces) + escape(suffix))
