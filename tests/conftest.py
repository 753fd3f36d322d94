import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, a throw-away media folder and an empty cache for every test.

    The page cache is off unless a test asks for it with the `page_cache`
    fixture: view tests check rendering, tests/test_pagecache.py checks caching.
    """
    from django.core.cache import cache

    from products import pageviews

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAGE_CACHE_ENABLED = False
    # Article views are written only when a test calls flush() or sets a threshold:
    # the exact query counts of page tests never include a flush.
    settings.ARTICLE_VIEWS_FLUSH_EVERY = 0
    settings.ARTICLE_VIEWS_FLUSH_SECONDS = 0
    pageviews.discard()
    cache.clear()
    yield
    cache.clear()
    pageviews.discard()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def demo(db):
    """The seed article, its author and its three products, loaded from content/."""
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
    from articles.models import Article

    return Article.objects.get(slug="can-foot-pain-cause-knee-pain")


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
