"""Signups per article count confirmed subscribers only, in the article list and in “Articles that sell”."""

import pytest
from django.utils import timezone

from newsletter.models import Subscriber
from tests.admin_forms import staff_user
from tests.factories import make_article, make_subscriber
from tests.products.test_report import REPORT, _html_tables, _links

Status = Subscriber.Status


@pytest.fixture
def seed_like(db):
    """What the issue found on the seed article: 3 pending and 1 unsubscribed, none confirmed."""
    article = make_article(title="Can foot pain cause knee pain?")
    other = make_article(title="Heel pain")
    for _ in range(3):
        make_subscriber(source_article=article, status=Status.PENDING)
    make_subscriber(source_article=article, status=Status.UNSUBSCRIBED)
    make_subscriber(source_article=other)  # confirmed, from another article
    make_subscriber()  # confirmed, from no article
    return article, other


def _article_row(html, title):
    return next(row for row in dict(_html_tables(html))["Clicks per article"] if row[0] == title)


def test_no_confirmed_subscriber_means_no_signups(admin_client, seed_like):
    article, other = seed_like
    html = admin_client.get(REPORT).content.decode()
    assert _article_row(html, article.title)[4:] == ["0", "3"]  # confirmed, awaiting confirmation
    assert _article_row(html, other.title)[4:] == ["1", "0"]
    assert dict(_html_tables(html))["Newsletter signups per article"] == [
        ["Article", "Confirmed", "Awaiting confirmation"],
        ["Heel pain", "1", "0"],
        [article.title, "0", "3"],
    ]
    # The bar chart draws confirmed signups only: one bar, for the article that has one.
    assert 'aria-label="Confirmed newsletter signups per article"' in html
    assert "<title>Heel pain: 1</title>" in html and f"<title>{article.title}: " not in html

    changelist = admin_client.get("/admin/articles/article/").content.decode()
    assert f'?source_article__id__exact={article.pk}&amp;status__exact=confirmed"' not in changelist
    assert f'?source_article__id__exact={other.pk}&amp;status__exact=confirmed">1</a>' in changelist

    Subscriber.objects.filter(source_article=article, status=Status.PENDING).update(status=Status.CONFIRMED)
    assert _article_row(admin_client.get(REPORT).content.decode(), article.title)[4:] == ["3", "0"]
    changelist = admin_client.get("/admin/articles/article/").content.decode()
    assert f'?source_article__id__exact={article.pk}&amp;status__exact=confirmed">3</a>' in changelist


def test_signups_outside_the_days_are_left_out(admin_client, seed_like):
    article, other = seed_like
    Subscriber.objects.filter(source_article=other).update(created_at=timezone.now() - timezone.timedelta(days=40))
    html = admin_client.get(REPORT).content.decode()
    assert not any(row[0] == other.title for row in dict(_html_tables(html))["Clicks per article"])


def test_the_signup_links_list_the_counted_subscribers(admin_client, seed_like):
    article, other = seed_like
    html = admin_client.get(REPORT).content.decode()
    subscriber_links = [link for link in _links(html) if "/admin/newsletter/subscriber/" in link]
    assert subscriber_links  # the superuser may see subscribers: the numbers link
    for link in subscriber_links:
        response = admin_client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        shown = {subscriber.pk for subscriber in response.context["cl"].result_list}
        # The list holds exactly the subscribers the number counted.
        status = Status.CONFIRMED if "status__exact=confirmed" in link else Status.PENDING
        source = article if f"source_article__id__exact={article.pk}&" in link else other
        assert shown == set(
            Subscriber.objects.filter(source_article=source, status=status).values_list("pk", flat=True)
        )


@pytest.mark.parametrize("group", ["Editors", "Writers"])
def test_staff_without_the_subscriber_list_get_numbers_not_dead_links(client, seed_like, django_user_model, group):
    article, other = seed_like
    client.force_login(staff_user(django_user_model, group.lower(), group))
    changelist = client.get("/admin/articles/article/")
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "/admin/newsletter/subscriber/" not in html
    assert client.get("/admin/newsletter/subscriber/").status_code == 403  # why the numbers do not link
    signups = html.split('class="field-newsletter_signups_count">')
    assert len(signups) == 3  # a plain number in the Signups column of both rows
