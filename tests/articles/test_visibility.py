"""One visibility rule, Article.objects.published(), on every public surface.

Published or draft, with a past or future time (and a draft with none): each
surface must show exactly the articles published() returns, real rows all.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, ProductCard, Redirect, Topic, next_scheduled_time
from tests.factories import make_article, make_author, make_product

PUBLISHED, DRAFT = Article.Status.PUBLISHED, Article.Status.DRAFT
SLUG = re.compile(r"/blog/(zebrafoot-[a-z0-9-]+)/")


@pytest.fixture
def rows(db):
    """Six articles by one author, on one topic, recommending one product: two that readers see."""
    now = timezone.now()
    author = make_author(name="Vera Visible", slug="vera-visible")
    product = make_product(name="ZEBRA Women's Sneaker", slug="zebra-sneaker")
    shared = Topic.objects.create(name="Arches", slug="arches")
    unseen = Topic.objects.create(name="Backstage", slug="backstage")  # on hidden articles only
    cases = {
        "published-past": (PUBLISHED, now - timedelta(hours=1)),
        "published-long-ago": (PUBLISHED, now - timedelta(days=30)),
        "published-future": (PUBLISHED, now + timedelta(hours=1)),
        "draft-past": (DRAFT, now - timedelta(hours=1)),
        "draft-future": (DRAFT, now + timedelta(hours=1)),
        "draft-undated": (DRAFT, None),
    }
    articles = {}
    for name, (status, published_at) in cases.items():
        article = make_article(
            title=f"Zebrafoot {name}",
            slug=f"zebrafoot-{name}",
            excerpt="Zebrafoot: how stripes support the arch.",
            status=status,
            published_at=published_at,
            author=author,
            sections=1,
        )
        ProductCard.objects.create(article=article, section=article.sections.get(), product=product)
        article.topics.add(shared)
        if status == DRAFT or published_at > now:
            article.topics.add(unseen)
        articles[name] = article
    return articles


def visible(rows):
    return {a.slug for a in Article.objects.published().filter(pk__in=[a.pk for a in rows.values()])}


def shown(html):
    return set(SLUG.findall(html))


def test_the_rule_itself_at_its_edges(rows):
    assert visible(rows) == {"zebrafoot-published-past", "zebrafoot-published-long-ago"}
    assert {a.slug for a in Article.objects.scheduled()} == {"zebrafoot-published-future"}
    assert {a.slug for a in rows.values() if a.is_published()} == visible(rows)
    assert {a.slug for a in rows.values() if a.is_scheduled()} == {"zebrafoot-published-future"}
    assert next_scheduled_time() == rows["published-future"].published_at.timestamp()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/blog/",
        "/blog/topics/arches/",
        "/authors/vera-visible/",
        "/search/?q=zebrafoot",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/blog/topics/arches/feed/",
        "/blog/topics/arches/feed/atom/",
        "/sitemap.xml",
        "/shop/zebra-sneaker/",  # "recommended in"
    ],
)
def test_each_list_feed_and_sitemap_shows_exactly_the_published_articles(client, rows, url):
    response = client.get(url)
    assert response.status_code == 200
    assert shown(response.content.decode()) == visible(rows)


def test_only_published_articles_have_a_page(client, rows):
    for article in rows.values():
        expected = 200 if article.slug in visible(rows) else 404
        assert client.get(article.get_absolute_url()).status_code == expected, article.slug


def test_related_articles_are_published_ones(client, rows):
    html = client.get(rows["published-past"].get_absolute_url()).content.decode()
    related = html.split('<section class="related page"')[1].split("</section>")[0]
    assert shown(related) == visible(rows) - {"zebrafoot-published-past"}


def test_topics_are_listed_only_with_a_published_article(client, rows):
    assert list(Topic.objects.with_published_articles()) == [Topic.objects.get(slug="arches")]
    blog = client.get("/blog/").content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()
    for html in (blog, sitemap):
        assert "/blog/topics/arches/" in html and "/blog/topics/backstage/" not in html


def test_a_slug_change_redirects_only_from_an_address_readers_knew(rows):
    known = {f"/blog/{slug}/" for slug in visible(rows)}
    for article in rows.values():
        article.slug = f"{article.slug}-renamed"
        article.save()
    assert set(Redirect.objects.values_list("old_path", flat=True)) == known
