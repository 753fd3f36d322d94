"""The article page's hand-written queries (articles/models.py, _page_sql) against the ORM's answers.

Each test builds rows the SQL could get wrong (ties in sort order, a callout to an
article that is not public yet, a card for an inactive product, another article's
rows) and compares the result with what plain querysets return.
"""

from datetime import timedelta

from django.forms.models import model_to_dict
from django.utils import timezone

from articles.models import Article, ProductCard, Section
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

    with django_assert_num_queries(2):
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
    for section, target in zip(Section.objects.filter(article=article), targets):
        section.callout_link_text = "our guide"
        section.callout_article = target
        section.callout_url = "https://example.com/guide" if section.sort_order == 4 else ""
        section.save()

    links = [section.callout_link for section in article.page_sections()]
    assert links == [live.get_absolute_url(), None, None, "https://example.com/guide", None]
