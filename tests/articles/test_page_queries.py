"""The article page's hand-written queries (articles/models.py, _page_sql) against the ORM's answers.

Each test builds rows the SQL could get wrong (ties in sort order, a callout to an
article that is not public yet, a card for an inactive product, another article's
rows) and compares the result with what plain querysets return.
"""

from datetime import timedelta

from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from articles.models import Article, ProductCard, Section, _extras_sql, _page_sql, _public_params
from tests.factories import make_article, make_product


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_page_sections_match_the_orm_in_order_fields_and_cards(db, django_assert_num_queries):
    article = make_article(sections=4, cards=6)
    other = make_article(sections=2, cards=2)
    first, second, third, fourth = Section.objects.filter(article=article).order_by("sort_order")
    third.sort_order = first.sort_order  # a tie: broken by id, as Meta.ordering says
    third.save()
    inactive = make_product(is_active=False)
    ProductCard.objects.create(article=article, section=second, product=inactive, sort_order=0)
    ProductCard.objects.create(article=article, section=fourth, product=make_product(), sort_order=0)

    with django_assert_num_queries(1):
        sections = article.page_sections()

    expected = list(Section.objects.filter(article=article))
    assert [s.pk for s in sections] == [s.pk for s in expected]
    assert [_fields(s) for s in sections] == [_fields(s) for s in expected]
    for section in sections:
        orm_cards = list(section.cards.filter(product__is_active=True).select_related("product"))
        assert [_fields(c) for c in section.page_cards] == [_fields(c) for c in orm_cards]
        assert [model_to_dict(c.product) for c in section.page_cards] == [model_to_dict(c.product) for c in orm_cards]
    cards = [card for section in sections for card in section.page_cards]
    assert len(cards) == 7 and inactive.pk not in {c.product_id for c in cards}
    assert not {c.section_id for c in cards} & set(other.sections.values_list("pk", flat=True))


def test_page_sections_link_callouts_only_to_public_articles(db):
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=5))
    article = make_article(sections=5)
    targets = [live, draft, scheduled, None, None]
    for section, target in zip(Section.objects.filter(article=article), targets, strict=False):
        section.callout_link_text = "our guide"
        section.callout_article = target
        section.callout_url = "https://example.com/guide" if section.sort_order == 4 else ""
        section.save()

    links = [section.callout_link for section in article.page_sections()]
    assert links == [live.get_absolute_url(), None, None, "https://example.com/guide", None]


def test_public_by_slug_matches_the_orm_with_its_author_and_without_the_search_columns(db, django_assert_num_queries):
    article = make_article(sections=2, faqs=1)
    make_article(author=article.author)  # another row the WHERE must not return

    with django_assert_num_queries(1):
        page = Article.public_by_slug(article.slug)
        author_name = page.author.name

    expected = Article.objects.for_listing().get(slug=article.slug)
    assert page.get_deferred_fields() == expected.get_deferred_fields() == {"search_text", "search_vector"}
    columns = {f.attname for f in Article._meta.concrete_fields} - expected.get_deferred_fields()
    assert {name: getattr(page, name) for name in columns} == {name: getattr(expected, name) for name in columns}
    assert author_name == article.author.name
    assert model_to_dict(page.author) == model_to_dict(expected.author)
    assert page.published_at == article.published_at and page.published_at.tzinfo is not None


def test_public_by_slug_is_none_unless_readers_can_see_the_article(db):
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timedelta(minutes=5))
    undated = make_article(status=Article.Status.DRAFT, published_at=None)
    for article in (draft, scheduled, undated):
        assert Article.public_by_slug(article.slug) is None
        assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.public_by_slug("no-such-article") is None


def test_a_card_filed_under_another_articles_section_shows_on_neither_page(db):
    # The admin refuses such a card (ProductCard.clean); rows written around it must not break a page.
    first, second = make_article(sections=1, cards=1), make_article(sections=1)
    stray = ProductCard.objects.create(
        article=first, section=second.sections.get(), product=make_product(), sort_order=9
    )

    first_cards = [card.pk for section in first.page_sections() for card in section.page_cards]
    second_cards = [card.pk for section in second.page_sections() for card in section.page_cards]
    assert len(first_cards) == 1 and stray.pk not in first_cards
    assert second_cards == []


def _full_scans(sql, params):
    """Tables the database would read whole to answer `sql`: the cost that grows with content."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [row[-1] for row in cursor.fetchall() if row[-1].startswith("SCAN")]
        # With sequential scans priced out, one that is left has no index to use instead.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return [line for (line,) in cursor.fetchall() if "Seq Scan" in line]


def test_page_statements_read_no_table_whole(db):
    article = make_article(sections=3, cards=2, faqs=2, takeaways=2)
    sql = _page_sql()
    statements = {
        "article": (sql.article, [article.slug, *_public_params()]),
        "sections and cards": (sql.sections_and_cards, [*_public_params(), True, article.pk]),
        "extras": (_extras_sql(), [article.pk] * 3),
    }
    for name, (statement, params) in statements.items():
        assert _full_scans(statement, params) == [], name


def test_a_section_whose_only_card_is_inactive_keeps_its_place_without_the_card(db):
    article = make_article(sections=3)
    first, second, third = Section.objects.filter(article=article)
    ProductCard.objects.create(article=article, section=second, product=make_product(is_active=False))
    ProductCard.objects.create(article=article, section=third, product=make_product(is_active=False), sort_order=1)
    shown = ProductCard.objects.create(article=article, section=third, product=make_product(), sort_order=2)

    sections = article.page_sections()
    assert [s.pk for s in sections] == [first.pk, second.pk, third.pk]
    assert [[c.pk for c in s.page_cards] for s in sections] == [[], [], [shown.pk]]
