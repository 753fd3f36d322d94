"""Listing pages cost the same number of queries at 10 and at 1,000 articles."""

import pytest
from django.core.management import call_command

from articles.models import Article


def seed(articles, products=20):
    call_command("seed_bulk", articles=articles, products=products, stdout=open("/dev/null", "w"))


@pytest.mark.parametrize("articles", [10, 1000])
@pytest.mark.parametrize(
    "url, queries",
    [
        ("/blog/", 2),  # count for the paginator, one page of articles with authors (topic links cached)
        ("/blog/?page=last", 2),
        ("/blog/topics/bulk-topic-3/", 3),  # the topic, the count, one page
        ("/blog/topics/bulk-topic-3/?page=last", 3),
        ("/authors/bulk-author/", 3),  # the author, the count, one page
        ("/sitemap.xml", 6),  # a count and one page each for articles, topics and products; static pages need none
        # The product, its variants, its images, its star counts, its written reviews' count (it has
        # none, so no page of them is read), the articles recommending it.
        ("/shop/bulk-product-00003/", 6),
        ("/blog/feed/", 1),
        ("/search/?q=heel+support", 3),  # a count, one page of articles, the products
        ("/blog/topics/bulk-topic-3/feed/", 2),  # the topic, its articles
        ("/", 2),  # latest articles with authors, recommended products
        ("/shop/", 2),
    ],
)
def test_listing_queries_do_not_grow(client, db, django_assert_num_queries, articles, url, queries):
    seed(articles)
    assert Article.objects.count() == articles
    client.get(url)  # warm: the content generation and the parts cached with it
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200


def test_bulk_article_page_takes_six_queries(client, db, django_assert_num_queries):
    seed(12)
    article = Article.objects.order_by("id").last()
    client.get(article.get_absolute_url())  # warms the related-articles list
    with django_assert_num_queries(6):  # ArticleQuerySet.for_page()
        html = client.get(article.get_absolute_url()).content.decode()
    assert html.count("<details") == 4 and html.count("product-card__name") == 2


def test_seed_bulk_adds_without_duplicating(db):
    seed(5, products=3)
    seed(5, products=3)
    assert Article.objects.filter(slug__startswith="bulk-").count() == 10
    call_command("seed_bulk", articles=2, products=0, clear=True, stdout=open("/dev/null", "w"))
    assert Article.objects.filter(slug__startswith="bulk-").count() == 2
