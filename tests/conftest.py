import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.admin_forms import staff_user


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, a throw-away media folder and an empty cache for every test.

    The page cache is off unless a test asks for it with the `page_cache`
    fixture: view tests check rendering, tests/test_pagecache.py checks caching.
    """
    from django.core.cache import cache

    from articles import pageviews

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


@pytest.fixture(scope="session")
def load_demo(tmp_path_factory):
    """A function loading the demo into the current test's database and media folder.

    The first call makes the image renditions (seconds); later calls find the
    same files already there, copied from that first test's media: rendition
    names come from the image bytes, so they are the ones the import would write.
    tests/articles/test_images.py checks rendition making itself.
    """
    from django.conf import settings

    made = tmp_path_factory.mktemp("demo-renditions") / "renditions"

    def load():
        media = Path(settings.MEDIA_ROOT)
        if made.exists():
            shutil.copytree(made, media / "renditions", dirs_exist_ok=True)
        call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
        if not made.exists():
            shutil.copytree(media / "renditions", made)

    return load


@pytest.fixture
def demo(db, load_demo):
    """The seed article, its author and its three products, loaded from content/."""
    load_demo()
    from articles.models import Article

    return Article.objects.get(slug="can-foot-pain-cause-knee-pain")


@pytest.fixture
def editor(client, django_user_model):
    """The test client, logged in as a member of Editors."""
    client.force_login(staff_user(django_user_model, "edna", "Editors"))
    return client


@pytest.fixture
def writer(client, django_user_model):
    """The test client, logged in as a member of Writers."""
    client.force_login(staff_user(django_user_model, "walt", "Writers"))
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """The test client, logged in as a superuser."""
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    return client


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
