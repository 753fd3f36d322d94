from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from articles.models import Article
from articles.publishing import PublishingRefused, article_publish, article_unpublish
from tests.admin_forms import staff_user
from tests.factories import make_article


@pytest.fixture
def editor_user(django_user_model):
    return staff_user(django_user_model, "edna", "Editors")


@pytest.fixture
def writer_user(django_user_model):
    return staff_user(django_user_model, "walt", "Writers")


def draft(**kwargs):
    return make_article(status=Article.Status.DRAFT, published_at=None, meta_description="What it is about.", **kwargs)


def test_an_editor_publishes_now_or_at_a_time(editor_user):
    now_article, later_article = draft(), draft()
    article_publish(article=now_article, user=editor_user)
    later = timezone.now() + timedelta(days=1)
    article_publish(article=later_article, user=editor_user, when=later)
    assert list(Article.objects.published()) == [now_article]
    assert list(Article.objects.scheduled()) == [later_article]
    assert Article.objects.get(pk=later_article.pk).published_at == later


def test_a_writer_may_neither_publish_nor_unpublish(writer_user, editor_user):
    article = draft()
    with pytest.raises(PermissionDenied):
        article_publish(article=article, user=writer_user)
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    article_publish(article=article, user=editor_user)
    with pytest.raises(PermissionDenied):
        article_unpublish(article=article, user=writer_user)
    assert Article.objects.get(pk=article.pk).is_published()


def test_a_broken_rule_refuses_and_leaves_the_article_a_draft(editor_user):
    article = make_article(status=Article.Status.DRAFT, published_at=None, meta_description="")
    with pytest.raises(PublishingRefused) as refused:
        article_publish(article=article, user=editor_user)
    assert any("meta description" in error for error in refused.value.errors)
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_publishing_returns_the_warnings(editor_user):
    found = article_publish(article=draft(), user=editor_user)
    assert "There is no FAQ." in found and "There are no key takeaways." in found


def test_unpublish_takes_it_off_the_site(editor_user):
    article = make_article(meta_description="x")
    article_unpublish(article=article, user=editor_user)
    assert not Article.objects.published().exists()
