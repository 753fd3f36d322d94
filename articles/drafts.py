"""
Drafts of live articles: a snapshot of the article and its children, and writing it back.

A draft is one ArticleDraft row holding what `take_snapshot()` read: the
article's own fields and topics, and its takeaways, sections, product cards
and FAQs (Django's JSON serialization, primary keys included). The live rows
stay as readers see them. `apply_snapshot()` writes a snapshot over the live
rows: on publish for good, and in a transaction that is rolled back when the
admin shows or saves a draft (ArticleAdmin), so the ordinary change form and
its inlines edit the draft. django-reversion's revision view works the same
way (revert, render, roll back).

Status and publication time are not part of a draft: a draft changes what a
live article says, not whether it is live.
"""

import json
import logging

from django.core import serializers
from django.db import transaction

from core.cacheguard import CacheUnavailable, guarded
from products.models import Product

from .models import FAQ, Article, Author, ProductCard, Section, Takeaway, Topic, next_draft_time

logger = logging.getLogger(__name__)
cache = guarded("default")
# (POSIX time of the next scheduled draft or None,): shared by every process, so a
# request learns that nothing is due without asking the database.
DUE_TIME_KEY = "articles:next-draft-due"
DUE_TIME_TIMEOUT = 60

# Kept from the live row when a draft is applied; the derived ones are recomputed (Article.refresh_derived()).
LIVE_FIELDS = {"id", "status", "published_at", "created_at", "updated_at", "last_edited_by"}
DERIVED_FIELDS = {"search_text", "search_vector", "word_count", "reading_minutes"}
ARTICLE_FIELDS = [
    field.name
    for field in [*Article._meta.concrete_fields, *Article._meta.many_to_many]
    if field.name not in LIVE_FIELDS | DERIVED_FIELDS
]
# In the order they are written back: cards last, they name sections.
CHILDREN = [("takeaways", Takeaway), ("sections", Section), ("faqs", FAQ), ("product_cards", ProductCard)]
SNAPSHOT_VERSION = 1


def take_snapshot(article) -> dict:
    """The article and its children as the database has them now, as JSON-ready data."""
    fresh = Article.objects.get(pk=article.pk)
    return {
        "version": SNAPSHOT_VERSION,
        "article": json.loads(serializers.serialize("json", [fresh], fields=ARTICLE_FIELDS))[0],
        "children": {
            name: json.loads(serializers.serialize("json", model.objects.filter(article=fresh).order_by("pk")))
            for name, model in CHILDREN
        },
    }


def _objects(records):
    return [found.object for found in serializers.deserialize("json", json.dumps(records), ignorenonexistent=True)]


def apply_snapshot(article, snapshot: dict) -> None:
    """Write `snapshot` over the live rows of `article` (in the caller's transaction).

    Rows the snapshot names keep their ids, so a form rendered from the applied
    draft posts ids that match when it is applied again. A row that was new in
    the draft takes a new id if another article's row has its id meanwhile.
    Cards of deleted products, callouts to deleted articles and deleted topics
    are left out.
    """
    (draft,) = serializers.deserialize("json", json.dumps([snapshot["article"]]), ignorenonexistent=True)
    for name in ARTICLE_FIELDS:
        field = Article._meta.get_field(name)
        if not field.many_to_many:
            setattr(article, field.attname, getattr(draft.object, field.attname))
    if not Author.objects.filter(pk=article.author_id).exists():
        article.author_id = Article.objects.values_list("author_id", flat=True).get(pk=article.pk)
    article.save()
    article.topics.set(Topic.objects.filter(pk__in=draft.m2m_data.get("topics", [])))

    rows = {name: _objects(snapshot["children"].get(name, [])) for name, _model in CHILDREN}
    products = set(
        Product.objects.filter(pk__in=[c.product_id for c in rows["product_cards"]]).values_list("pk", flat=True)
    )
    rows["product_cards"] = [card for card in rows["product_cards"] if card.product_id in products]
    targets = {s.callout_article_id for s in rows["sections"] if s.callout_article_id}
    existing_targets = set(Article.objects.filter(pk__in=targets).values_list("pk", flat=True))

    # Rows the draft removed go first (a section takes its cards along).
    for name, model in reversed(CHILDREN):
        model.objects.filter(article=article).exclude(pk__in=[row.pk for row in rows[name]]).delete()

    section_ids = {}
    for name, model in CHILDREN:
        theirs = set(
            model.objects.filter(pk__in=[r.pk for r in rows[name]])
            .exclude(article=article)
            .values_list("pk", flat=True)
        )
        for row in rows[name]:
            draft_pk = row.pk
            row.article = article
            if draft_pk in theirs:
                row.pk = None
            if model is Section and row.callout_article_id not in existing_targets:
                row.callout_article_id = None
            if model is ProductCard:
                row.section_id = section_ids.get(row.section_id, row.section_id)
                if row.section_id not in section_ids.values():
                    continue  # its section is not in the draft
            row.save()
            if model is Section:
                section_ids[draft_pk] = row.pk
    article.refresh_derived()


def due_time() -> float | None:
    """POSIX time of the next scheduled draft (maybe past), from CACHES; the database when the cache has none."""
    try:
        record = cache.get(DUE_TIME_KEY)
    except CacheUnavailable:
        return next_draft_time()
    if record is None:
        record = (next_draft_time(),)
        try:
            # Not forever: a process that read the database just before a schedule
            # committed may store the old answer after forget_due_time() ran.
            cache.set(DUE_TIME_KEY, record, DUE_TIME_TIMEOUT)
        except CacheUnavailable:
            pass
    return record[0]


def _forget():
    try:
        cache.delete(DUE_TIME_KEY)
    except CacheUnavailable:
        # Every process would skip a due draft until the key is gone.
        logger.error("The next draft time was not cleared (cache unavailable); scheduled changes may go live late.")


def forget_due_time() -> None:
    """Make the next request read the next draft time from the database, once this transaction commits."""
    transaction.on_commit(_forget)
