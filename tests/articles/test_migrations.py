"""Data migrations: what they write, and that they run backwards and forwards again."""

import importlib
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from core.images import make_renditions, recorded_widths, rendition_name, store_image, stored_renditions
from products.models import Product
from tests.factories import image_bytes

QUIET = {"verbosity": 0, "stdout": io.StringIO()}
BEFORE_LIBRARY = {"articles": "0014_writing_comfort", "products": "0010_report_indexes"}
PRODUCT = {"name": "A shoe", "line": "TEST", "gender": "women", "category": "sneakers", "description": "Soft."}


def historical_apps(targets):
    """The models as the migrations `targets` ({app: migration}) left them."""
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(targets.items())).apps


fill_renditions = importlib.import_module("articles.migrations.0010_fill_image_renditions").fill_renditions


@pytest.mark.django_db(transaction=True)
def test_filling_lists_the_renditions_found_in_media(settings):
    # 0010 ran on the image columns the library migrations later removed: go back to them.
    call_command("migrate", "articles", BEFORE_LIBRARY["articles"], **QUIET)
    call_command("migrate", "products", BEFORE_LIBRARY["products"], **QUIET)
    old = historical_apps(BEFORE_LIBRARY)
    Product = old.get_model("products", "Product")
    name = store_image(image_bytes(width=700, height=500), "products")
    product = Product.objects.create(**PRODUCT, slug="shoe", image=name, image_width=700, image_height=500)
    bare = Product.objects.create(**PRODUCT, slug="bare")
    make_renditions(product.image)
    (Path(settings.MEDIA_ROOT) / rendition_name(name, 160, "jpg")).unlink()  # a lost file: its width is left out

    fill_renditions(old, None)

    assert Product.objects.get(pk=product.pk).image_renditions == [320, 640, 700]
    assert Product.objects.get(pk=bare.pk).image_renditions == []
    # The migration's copy of the rules gives what the application's own gives, which reads such a list
    # as the WebP and JPEG renditions (AVIF came later: `make_renditions` records it).
    product.refresh_from_db()
    stored = stored_renditions(product.image)
    assert product.image_renditions == [w for w in stored["jpg"] if w in stored["webp"]]
    assert recorded_widths(product.image) == {"avif": [], "webp": [320, 640, 700], "jpg": [320, 640, 700]}
    call_command("migrate", **QUIET)


@pytest.mark.django_db(transaction=True)
def test_rendition_migrations_reverse_and_apply_again(load_demo):
    load_demo()
    quiet = {"verbosity": 0, "stdout": io.StringIO()}
    call_command("migrate", "articles", "0008", **quiet)
    call_command("migrate", "products", "0005", **quiet)
    assert "image_renditions" not in _columns(Product._meta.db_table)
    assert "hero_renditions" not in _columns(Article._meta.db_table)
    call_command("migrate", **quiet)
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    assert recorded_widths(article.hero_image.file)["jpg"] == [160, 320, 640, 960, 1280, 1600]
    assert recorded_widths(article.author.avatar.file)["webp"] == [160, 320]
    assert {recorded_widths(p.image.file)["jpg"][-1] for p in Product.objects.exclude(image=None)} == {1200}


def _columns(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def test_last_editors_come_from_the_admin_log(django_user_model, db):
    from django.apps import apps
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from tests.factories import make_ready_draft

    first, last = (django_user_model.objects.create_user(name) for name in ("first", "last"))
    article, untouched = make_ready_draft(), make_ready_draft()
    kind = ContentType.objects.get_for_model(Article)
    for user in (first, last):
        LogEntry.objects.create(
            user=user, content_type=kind, object_id=str(article.pk), object_repr="x", action_flag=CHANGE
        )
    LogEntry.objects.create(user=first, content_type=kind, object_id="999999", object_repr="gone", action_flag=CHANGE)

    importlib.import_module("articles.migrations.0019_last_edited_by").from_admin_log(apps, None)

    assert Article.objects.get(pk=article.pk).last_edited_by == last
    assert Article.objects.get(pk=untouched.pk).last_edited_by is None
