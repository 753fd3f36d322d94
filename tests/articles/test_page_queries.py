"""ArticleQuerySet.for_page(): everything the article page shows, read in a fixed number of queries.

Each test builds rows a page could get wrong (ties in sort order, a callout to an
article that is not public yet, a card for an inactive product, another article's
rows) and checks what for_page() hands the page.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import FAQ, Article, ProductCard, Section, Takeaway, Topic
from tests.factories import make_article, make_product

PAGE_QUERIES = (
    6  # the article with its author; sections with callout targets; cards with products; takeaways; FAQs; topics
)


def page(article):
    """`article` as its page (or preview) reads it."""
    return Article.objects.for_page().get(pk=article.pk)


def test_for_page_reads_everything_in_six_queries_and_nothing_after(db, django_assert_num_queries):
    article = make_article(sections=4, cards=6, faqs=3, takeaways=2)
    article.topics.set([Topic.objects.create(name="Heels", slug="heels")])
    first = article.sections.first()
    first.callout_link_text, first.callout_article = "our guide", make_article()
    first.save()

    with django_assert_num_queries(PAGE_QUERIES):
        found = page(article)
    with django_assert_num_queries(0):
        assert found.author.name == article.author.name
        sections = list(found.sections.all())
        assert [len(s.page_cards) for s in sections] == [2, 2, 1, 1]
        assert {card.product.name for s in sections for card in s.page_cards}
        assert [s.callout_link for s in sections] == [first.callout_article.get_absolute_url(), None, None, None]
        assert len(found.takeaways.all()) == 2 and len(found.faqs.all()) == 3 and len(found.topics.all()) == 1


def test_for_page_leaves_the_search_columns_behind(db):
    article = make_article(sections=1)
    found = page(article)
    assert found.get_deferred_fields() == {"search_text", "search_vector"}
    assert found.author.get_deferred_fields() == set()


def test_published_for_page_finds_only_what_readers_may_see(db):
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=5))
    undated = make_article(status=Article.Status.DRAFT, published_at=None)
    assert list(Article.objects.published().for_page()) == [live]
    # The preview reads any article the same way.
    assert set(Article.objects.for_page()) == {live, draft, scheduled, undated}


def test_sections_come_in_page_order_with_ties_broken_by_id(db):
    article = make_article(sections=4)
    first, second, third, fourth = Section.objects.filter(article=article).order_by("sort_order")
    third.sort_order = first.sort_order
    third.save()
    assert [s.pk for s in page(article).sections.all()] == [first.pk, third.pk, second.pk, fourth.pk]


def test_cards_show_active_products_in_order(db):
    article = make_article(sections=1)
    section = article.sections.get()
    later = ProductCard.objects.create(article=article, section=section, product=make_product(), sort_order=2)
    earlier = ProductCard.objects.create(article=article, section=section, product=make_product(), sort_order=1)
    ProductCard.objects.create(article=article, section=section, product=make_product(is_active=False), sort_order=0)
    (found,) = page(article).sections.all()
    assert [c.pk for c in found.page_cards] == [earlier.pk, later.pk]
    assert [c.product for c in found.page_cards] == [earlier.product, later.product]


def test_a_section_whose_only_card_is_inactive_keeps_its_place_without_the_card(db):
    article = make_article(sections=3)
    first, second, third = Section.objects.filter(article=article)
    ProductCard.objects.create(article=article, section=second, product=make_product(is_active=False))
    ProductCard.objects.create(article=article, section=third, product=make_product(is_active=False), sort_order=1)
    shown = ProductCard.objects.create(article=article, section=third, product=make_product(), sort_order=2)

    sections = list(page(article).sections.all())
    assert [s.pk for s in sections] == [first.pk, second.pk, third.pk]
    assert [[c.pk for c in s.page_cards] for s in sections] == [[], [], [shown.pk]]


def test_a_card_filed_under_another_articles_section_shows_on_neither_page(db):
    # The admin refuses such a card (ProductCard.clean); rows written around it must not break a page.
    first, second = make_article(sections=1, cards=1), make_article(sections=1)
    stray = ProductCard.objects.create(
        article=first, section=second.sections.get(), product=make_product(), sort_order=9
    )

    first_cards = [card.pk for section in page(first).sections.all() for card in section.page_cards]
    second_cards = [card.pk for section in page(second).sections.all() for card in section.page_cards]
    assert len(first_cards) == 1 and stray.pk not in first_cards
    assert second_cards == []


def test_callouts_link_only_to_public_articles(db):
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=5))
    article = make_article(sections=5)
    targets = [live, draft, scheduled, None, None]
    for section, target in zip(Section.objects.filter(article=article), targets, strict=True):
        section.callout_link_text = "our guide"
        section.callout_article = target
        section.callout_url = "https://example.com/guide" if section.sort_order == 4 else ""
        section.save()

    links = [section.callout_link for section in page(article).sections.all()]
    assert links == [live.get_absolute_url(), None, None, "https://example.com/guide", None]


def test_a_callout_target_reads_only_what_the_link_needs(db):
    article = make_article(sections=1)
    section = article.sections.get()
    section.callout_link_text, section.callout_article = "our guide", make_article()
    section.save()
    target = page(article).sections.get().callout_article
    assert target.get_deferred_fields() == {f.attname for f in Article._meta.concrete_fields} - {
        "id",
        "slug",
        "status",
        "published_at",
    }


def test_takeaways_and_faqs_are_instances_in_order_without_other_articles_rows(db):
    article, other = make_article(takeaways=3, faqs=2), make_article(takeaways=2, faqs=2)
    article.takeaways.filter(sort_order=1).update(sort_order=9)
    found = page(article)
    takeaways, faqs = list(found.takeaways.all()), list(found.faqs.all())
    assert all(isinstance(t, Takeaway) for t in takeaways) and all(isinstance(f, FAQ) for f in faqs)
    assert [t.text for t in takeaways] == ["Takeaway 2", "Takeaway 3", "Takeaway 1"]
    assert [(f.question, f.answer_html) for f in faqs] == [
        ("Question 1?", "<p>Answer 1.</p>"),
        ("Question 2?", "<p>Answer 2.</p>"),
    ]
    assert {f.article_id for f in faqs} == {t.article_id for t in takeaways} == {article.pk} != {other.pk}


def test_topics_are_saved_instances_by_name(db):
    article, other = make_article(), make_article()
    zinc = Topic.objects.create(name="Zinc", slug="zinc")
    arch = Topic.objects.create(name="Arch pain", slug="arch-pain")
    article.topics.set([zinc, arch])
    other.topics.set([Topic.objects.create(name="Heels", slug="heels")])
    assert list(page(article).topics.all()) == [arch, zinc]
    assert all(topic.pk for topic in page(article).topics.all())


def _full_scans(sql):
    """Tables the database would read whole to answer `sql`: the cost that grows with content."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall() if row[-1].startswith("SCAN")]
        # With sequential scans priced out, one that is left has no index to use instead.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        return [line for (line,) in cursor.fetchall() if "Seq Scan" in line]


@pytest.mark.parametrize("published", [True, False], ids=["public page", "preview"])
def test_page_queries_read_no_table_whole(db, published):
    article = make_article(sections=3, cards=2, faqs=2, takeaways=2)
    article.topics.set([Topic.objects.create(name="Heels", slug="heels")])
    queryset = Article.objects.published().for_page() if published else Article.objects.for_page()
    with CaptureQueriesContext(connection) as captured:
        queryset.get(slug=article.slug)
    assert len(captured.captured_queries) == PAGE_QUERIES
    for query in captured.captured_queries:
        assert _full_scans(query["sql"]) == [], query["sql"]
