from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from articles import pageviews
from products.models import ArticleDailyViews
from products.services import article_views_add
from tests.factories import make_article
from tests.markers import needs_postgresql

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


def _views(article):
    return dict(ArticleDailyViews.objects.filter(article=article).values_list("day", "views"))


def test_views_are_counted_on_page_cache_misses_and_hits(client, db, page_cache):
    article = make_article()
    url = article.get_absolute_url()
    assert client.get(url, HTTP_USER_AGENT=BROWSER)["X-Page-Cache"] == "miss"
    hit = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert hit["X-Page-Cache"] == "hit"
    revalidated = client.get(url, HTTP_USER_AGENT=BROWSER, HTTP_IF_NONE_MATCH=hit["ETag"])
    assert revalidated.status_code == 304
    today = timezone.localdate()
    assert pageviews.pending() == {(article.slug, today): 3}
    assert ArticleDailyViews.objects.count() == 0  # nothing written per view
    assert pageviews.flush() == 3
    assert pageviews.pending() == {} and _views(article) == {today: 3}


def test_bots_staff_heads_errors_and_other_pages_are_not_counted(client, db, page_cache, admin_user):
    article = make_article()
    url = article.get_absolute_url()
    client.get(url, HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    client.get(url)  # no user agent: a script
    client.head(url, HTTP_USER_AGENT=BROWSER)
    client.get("/blog/no-such-article/", HTTP_USER_AGENT=BROWSER)
    client.get("/blog/", HTTP_USER_AGENT=BROWSER)
    client.get("/shop/", HTTP_USER_AGENT=BROWSER)
    client.force_login(admin_user)
    assert client.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200  # staff preview
    assert pageviews.pending() == {}


def test_flush_adds_to_the_day_and_creates_missing_days(client, db):
    article = make_article()
    other = make_article()
    today = timezone.localdate()
    ArticleDailyViews.objects.create(article=article, day=today, views=10)
    for _ in range(2):
        client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    client.get(other.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert pageviews.flush() == 3
    assert _views(article) == {today: 12} and _views(other) == {today: 1}
    assert pageviews.flush() == 0  # nothing left: nothing written twice
    assert _views(article) == {today: 12}


def test_the_batch_is_written_every_n_views(client, db, settings):
    settings.ARTICLE_VIEWS_FLUSH_EVERY = 3
    article = make_article()
    for _ in range(2):
        client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(article) == {}
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(article) == {timezone.localdate(): 3} and pageviews.pending() == {}


def test_the_batch_is_written_after_t_seconds(client, db, settings, monkeypatch):
    settings.ARTICLE_VIEWS_FLUSH_SECONDS = 60
    article = make_article()
    start = pageviews.time.monotonic()
    monkeypatch.setattr(pageviews.time, "monotonic", lambda: start + 30)
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(article) == {}
    monkeypatch.setattr(pageviews.time, "monotonic", lambda: start + 61)
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(article) == {timezone.localdate(): 2}


def test_a_flush_costs_one_lookup_and_one_write_per_article_and_day(client, db, django_assert_num_queries):
    one, two = make_article(), make_article()
    ArticleDailyViews.objects.create(article=one, day=timezone.localdate(), views=1)
    client.get(one.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    client.get(two.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    # Slugs to ids; the batch's savepoint and its release; one UPDATE for `one`;
    # for the new day of `two`, an UPDATE (no row), then the INSERT in its own savepoint;
    # then the popular articles for the 500 page: the most viewed, then the newest to make five.
    with django_assert_num_queries(10):
        pageviews.flush()
    assert sorted(ArticleDailyViews.objects.values_list("views", flat=True)) == [1, 2]


def test_views_of_a_deleted_article_are_dropped(client, db):
    article = make_article()
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    article.delete()
    assert pageviews.flush() == 1
    assert ArticleDailyViews.objects.count() == 0


def test_article_views_add_updates_an_existing_day(db):
    article = make_article()
    day = timezone.localdate() - timedelta(days=3)
    article_views_add(article_id=article.pk, day=day, views=5)
    article_views_add(article_id=article.pk, day=day, views=7)
    assert _views(article) == {day: 12}


@needs_postgresql("concurrent transactions on real connections")
@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_of_a_new_day_lose_nothing():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction

    article = make_article()
    day = timezone.localdate()

    def add(_):
        try:
            with transaction.atomic():
                article_views_add(article_id=article.pk, day=day, views=1)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add, range(40)))
    assert _views(article) == {day: 40}


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Los_Angeles"])
def test_a_view_counts_for_the_local_day_it_happens_on_across_midnight(db, settings, zone):
    settings.TIME_ZONE = zone
    pageviews.discard()
    tz = ZoneInfo(zone)
    before_midnight = timezone.datetime(2026, 3, 28, 23, 59, 59, 500000, tzinfo=tz)  # Berlin's clocks go on at 2:00
    with time_machine.travel(before_midnight, tick=False):
        pageviews.count_view("a")
    with time_machine.travel(before_midnight + timedelta(seconds=1), tick=False):  # 00:00:00.5 the next day
        pageviews.count_view("a")
    # Back in time (a test's clock, or a clock set back): the day is worked out again.
    with time_machine.travel(before_midnight - timedelta(days=3), tick=False):
        pageviews.count_view("a")
    day = before_midnight.date()
    assert pageviews.pending() == {
        ("a", day): 1,
        ("a", day + timedelta(days=1)): 1,
        ("a", day - timedelta(days=3)): 1,
    }
    pageviews.discard()
