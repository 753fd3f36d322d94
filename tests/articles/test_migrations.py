"""Data migrations: what they write, and that they run backwards and forwards again."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from articles.models import Article, Author, Section
from core.images import recorded_widths, rendition_name, stored_renditions
from products.models import Product
from tests.factories import image_file, make_article, make_author, make_product

fill_renditions = importlib.import_module("articles.migrations.0010_fill_image_renditions").fill_renditions


def test_filling_lists_the_renditions_found_in_media(db, settings):
    author = make_author(avatar=image_file("face.jpg", width=320, height=320), avatar_alt="A smiling runner.")
    article = make_article(
        author=author, sections=1, hero_image=image_file("trail.jpg", width=2000, height=1000), hero_alt="A trail."
    )
    section = article.sections.get()
    section.figure_image, section.figure_alt = image_file("knee.jpg", width=900, height=600), "A knee brace."
    section.save()
    product = make_product(image=image_file("shoe.jpg", width=700, height=500), image_alt="A grey sneaker.")
    bare = make_product(name="No picture")
    media = Path(settings.MEDIA_ROOT)
    (media / rendition_name(product.image.name, 160, "jpg")).unlink()  # a lost file: its width is left out
    for model, field in [(Author, "avatar"), (Article, "hero"), (Section, "figure"), (Product, "image")]:
        model.objects.update(**{f"{field}_renditions": []})  # rows from before the lists existed

    fill_renditions(apps, None)

    assert Author.objects.get(pk=author.pk).avatar_renditions == [160, 320]
    assert Article.objects.get().hero_renditions == [160, 320, 640, 960, 1280, 1600]
    assert Section.objects.get().figure_renditions == [160, 320, 640, 900]
    assert Product.objects.get(pk=product.pk).image_renditions == [320, 640, 700]
    assert Product.objects.get(pk=bare.pk).image_renditions == []
    # The migration's copy of the rules gives what the application's own gives, which reads such a list
    # as the WebP and JPEG renditions (AVIF came later: `make_renditions` records it).
    product.refresh_from_db()
    stored = stored_renditions(product.image)
    assert product.image_renditions == [w for w in stored["jpg"] if w in stored["webp"]]
    assert recorded_widths(product.image) == {"avif": [], "webp": [320, 640, 700], "jpg": [320, 640, 700]}


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
    assert article.hero_renditions == [160, 320, 640, 960, 1280, 1600]
    assert article.author.avatar_renditions == [160, 320]
    assert {p.image_renditions[-1] for p in Product.objects.exclude(image="")} == {1200}


def _columns(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}
