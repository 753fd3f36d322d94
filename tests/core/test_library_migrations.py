"""The media library migrations on a copy of the demo: every picture moves in and back out without loss."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.drafts import take_snapshot
from articles.models import Article, ArticleDraft, Author, Section
from core.models import Image
from products.models import Product, ProductImage

QUIET = {"verbosity": 0, "stdout": io.StringIO()}
BEFORE = {"articles": "0014_writing_comfort", "products": "0010_report_indexes"}
# (model, library field, alt field, its name before the library)
USES = [
    (Author, "avatar", "avatar_alt", "avatar"),
    (Article, "hero_image", "hero_alt", "hero"),
    (Section, "figure_image", "figure_alt", "figure"),
    (Product, "image", "image_alt", "image"),
    (ProductImage, "image", "image_alt", "image"),
]


def uses_now():
    """Every use of a library image: (model, pk) -> (file, width, height, renditions, own alt, alt shown)."""
    found = {}
    for model, field, alt, _old in USES:
        for row in model.objects.exclude(**{field: None}).select_related(field):
            image = getattr(row, field)
            shown = getattr(row, alt) or image.alt
            found[(model.__name__, row.pk)] = (
                image.file.name,
                image.file_width,
                image.file_height,
                image.file_renditions,
                getattr(row, alt),
                shown,
            )
    return found


def old_apps():
    return MigrationExecutor(connection).loader.project_state(list(BEFORE.items())).apps


@pytest.mark.django_db(transaction=True)
def test_the_library_migrations_move_the_demo_out_and_back_in(load_demo, client):
    load_demo()
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    ArticleDraft.objects.create(article=article, snapshot=take_snapshot(article))
    before = uses_now()
    files = {use[0] for use in before.values()}
    assert len(before) >= 8 and Image.objects.count() == len(files)

    call_command("migrate", "articles", BEFORE["articles"], **QUIET)
    call_command("migrate", "products", BEFORE["products"], **QUIET)
    call_command("migrate", "core", "zero", **QUIET)
    assert "core_image" not in connection.introspection.table_names()

    # Back on the old columns: each row holds its own file, size, renditions and alt text.
    apps = old_apps()
    for (model_name, pk), (name, width, height, renditions, _own, shown) in before.items():
        app = "articles" if model_name in ("Author", "Article", "Section") else "products"
        old = next(use[3] for use in USES if use[0].__name__ == model_name)
        row = apps.get_model(app, model_name).objects.get(pk=pk)
        file_field = {"hero": "hero_image", "figure": "figure_image"}.get(old, old)
        assert getattr(row, file_field).name == name
        assert (getattr(row, f"{old}_width"), getattr(row, f"{old}_height")) == (width, height)
        assert getattr(row, f"{old}_renditions") == renditions
        assert getattr(row, f"{old}_alt") == shown
    draft = apps.get_model("articles", "ArticleDraft").objects.get()
    assert draft.snapshot["article"]["fields"]["hero_image"] == before[("Article", article.pk)][0]

    # The same file used twice (a product showing another's picture) becomes one library image.
    OldProduct = apps.get_model("products", "Product")
    first, second = OldProduct.objects.exclude(image="").order_by("pk")[:2]
    second.image, second.image_width, second.image_height = first.image.name, first.image_width, first.image_height
    second.image_renditions = first.image_renditions
    second.save()

    call_command("migrate", **QUIET)

    after = uses_now()
    before[("Product", second.pk)] = (*before[("Product", first.pk)][:4], *before[("Product", second.pk)][4:])
    assert after == before
    assert Image.objects.count() == len({use[0] for use in after.values()})
    assert Product.objects.get(pk=first.pk).image_id == Product.objects.get(pk=second.pk).image_id
    hero = Article.objects.get(pk=article.pk).hero_image
    assert ArticleDraft.objects.get().snapshot["article"]["fields"]["hero_image"] == hero.pk
    assert all(image.alt for image in Image.objects.all())  # each took the alt text of a use
    # The page shows the pictures again.
    html = client.get(article.get_absolute_url()).content.decode()
    assert hero.file.name.rsplit(".", 1)[0] + "-1600w.webp" in html
