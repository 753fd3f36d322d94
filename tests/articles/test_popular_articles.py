from datetime import timedelta

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from articles import pageviews
from articles.models import Article
from products.models import ArticleDailyViews
from tests.factories import make_article

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"


def _popular(html):
    if 'id="popular-heading"' not in html:
        return None
    section = html.split('id="popular-heading"')[1].split("</section>")[0]
    return [line.split(">")[1].split("<")[0] for line in section.split("<li>")[1:]]


def test_most_viewed_in_30_days_come_first_then_the_newest(db):
    now = timezone.now()
    old_hit = make_article(title="Read a lot, long ago", published_at=now - timedelta(days=90))
    steady = make_article(title="Steady", published_at=now - timedelta(days=60))
    fresh = make_article(title="Fresh", published_at=now - timedelta(hours=2))
    for n in range(4):
        make_article(title=f"Newer {n}", published_at=now - timedelta(days=10 + n))
    make_article(title="Draft", status=Article.Status.DRAFT)
    today = timezone.localdate()
    ArticleDailyViews.objects.create(article=old_hit, day=today - timedelta(days=30), views=1000)  # outside 30 days
    ArticleDailyViews.objects.create(article=old_hit, day=today - timedelta(days=29), views=3)
    ArticleDailyViews.objects.create(article=steady, day=today, views=5)
    ArticleDailyViews.objects.create(article=steady, day=today - timedelta(days=1), views=5)
    ArticleDailyViews.objects.create(article=fresh, day=today, views=4)
    popular = pageviews.refresh_popular_articles()
    assert [a["title"] for a in popular] == ["Steady", "Fresh", "Read a lot, long ago", "Newer 0", "Newer 1"]
    assert popular[0]["url"] == steady.get_absolute_url()


def test_the_500_page_lists_them_without_a_single_query(client, db, django_assert_num_queries):
    read = make_article(title="Knee <pain> & you")
    make_article(title="Unread")
    client.get(read.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    pageviews.flush()  # writes the views and refreshes the list
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert _popular(html) == _popular(response.content.decode()) == ["Knee &lt;pain&gt; &amp; you", "Unread"]
    assert f'<a href="{read.get_absolute_url()}">' in html


def test_the_500_page_shows_no_list_when_the_cache_has_none(db, django_assert_num_queries):
    make_article(title="Somewhere")
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and _popular(html) is None


def test_the_list_follows_article_changes(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(title="Soon retitled")
    assert [a["title"] for a in pageviews.popular_articles()] == ["Soon retitled"]
    article.title = "Retitled"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert [a["title"] for a in pageviews.popular_articles()] == ["Retitled"]
    article.status = Article.Status.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert pageviews.popular_articles() == []
    assert _popular(render_to_string("500.html")) is None


def test_the_404_page_fills_an_empty_list_from_the_database(client, demo):
    from django.core.cache import cache

    from articles.pageviews import POPULAR_KEY

    cache.delete(POPULAR_KEY)
    html = client.get("/no/such/page/").content.decode()
    assert "Popular articles" in html and demo.get_absolute_url() in html
    assert cache.get(POPULAR_KEY)
