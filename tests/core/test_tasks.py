"""Renditions made off-request: queued by a save, made once, recorded format by format, safe when the image goes."""

import io
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from PIL import Image

from articles.models import Article
from core import tasks
from core.images import recorded_widths, rendition_name
from core.models import Image as LibraryImage
from core.tasks import image_renditions_make, make_image_renditions
from tests.articles.test_images import Pictures, rendition_files, srcset_widths
from tests.factories import image_bytes, make_image, make_product

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WIDTHS = [160, 320, 640, 700]


def photo(seed=0, width=700, height=500):
    """A real photo-like JPEG (noise compresses like a photo, a flat colour does not); another on each call."""
    img = Image.effect_noise((width, height), 40 + seed).convert("RGB")
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=90)
    return ContentFile(buffer.getvalue(), name=f"photo-{seed}.jpg")


def queued():
    from django_tasks_db.models import DBTaskResult

    return [
        result.args_kwargs["args"]
        for result in DBTaskResult.objects.filter(task_path="core.tasks.make_image_renditions", status="READY")
    ]


def run_queued():
    """Run the queued rendition tasks as the worker does (their function, with their stored arguments)."""
    return [make_image_renditions.call(*args) for args in queued()]


def main_picture(client, product):
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    (main,) = Pictures(response.content.decode()).with_class("product__image")
    return main


# The worker closes the database connection after its batch, as in production: real transactions.
@pytest.mark.django_db(transaction=True)
def test_a_save_queues_the_renditions_and_the_page_shows_the_original_until_the_worker_made_them(
    client, settings, page_cache
):
    settings.TASKS = DB_TASKS
    product = make_product(image=photo(), image_alt="A grey sneaker.")
    image = product.image  # the library image the product shows: its row is the one with renditions
    assert queued() == [["core.Image", image.pk, "file", image.file.name]]
    assert rendition_files(settings) == []  # nothing made in the request
    assert LibraryImage.objects.get().file_renditions == {"source": image.file.name}

    main = main_picture(client, product)
    assert main["sources"] == [] and "srcset" not in main["img"]
    assert main["img"]["src"] == image.file.url
    assert (main["img"]["width"], main["img"]["height"]) == ("700", "500")
    assert client.get(product.get_absolute_url())["X-Page-Cache"] == "hit"

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    assert queued() == []
    response = client.get(product.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"  # the record refreshed the cached page
    (main,) = Pictures(response.content.decode()).with_class("product__image")
    assert [source["type"] for source in main["sources"]] == ["image/avif", "image/webp"]
    for source, ext in zip(main["sources"], ("avif", "webp"), strict=True):
        assert srcset_widths(source["srcset"]) == WIDTHS
        assert all(f".{ext} " in candidate for candidate in source["srcset"].split(", "))
    assert srcset_widths(main["img"]["srcset"]) == WIDTHS and main["img"]["src"].endswith("-700w.jpg")
    assert len(rendition_files(settings)) == 12


def test_each_format_is_recorded_as_soon_as_it_is_made(db, settings, monkeypatch):
    settings.TASKS = DB_TASKS
    image = make_image(photo())
    records = []
    update = tasks.bump_generation

    def seen(**kwargs):
        records.append(LibraryImage.objects.get(pk=image.pk).file_renditions)
        update(**kwargs)

    monkeypatch.setattr(tasks, "bump_generation", seen)
    run_queued()
    source = {"source": image.file.name}
    assert records == [
        {**source, "jpg": WIDTHS, "webp": [], "avif": []},
        {**source, "jpg": WIDTHS, "webp": WIDTHS, "avif": []},
        {**source, "jpg": WIDTHS, "webp": WIDTHS, "avif": WIDTHS},
    ]


def test_a_rerun_makes_nothing_twice_and_reads_no_file(db, settings, monkeypatch):
    image = make_image(photo())  # the immediate backend: made now
    files = {path: path.stat().st_mtime_ns for path in (Path(settings.MEDIA_ROOT) / "renditions").rglob("*.*")}
    assert len(files) == 12
    # A record lost (a row restored from an old backup): the files are found, none written again.
    LibraryImage.objects.update(file_renditions=[])
    record, written = image_renditions_make(model=LibraryImage, pk=image.pk, field_name="file", source=image.file.name)
    assert written == [] and record == LibraryImage.objects.get().file_renditions
    assert recorded_widths(LibraryImage.objects.get().file) == {"jpg": WIDTHS, "webp": WIDTHS, "avif": WIDTHS}
    assert {path: path.stat().st_mtime_ns for path in files} == files

    def no_file(*args, **kwargs):
        raise AssertionError("a recorded rerun touched the storage")

    for method in ("exists", "open", "save"):
        monkeypatch.setattr(FileSystemStorage, method, no_file)
    assert make_image_renditions.call("core.Image", image.pk, "file", image.file.name) == record


def test_an_image_deleted_before_its_task_runs_gets_nothing(db, settings):
    settings.TASKS = DB_TASKS
    make_image(photo()).delete()
    assert run_queued() == [None]
    assert rendition_files(settings) == []


def test_an_image_replaced_before_its_task_runs_gets_nothing_and_the_new_one_its_own(db, settings):
    settings.TASKS = DB_TASKS
    image = make_image(photo(1))
    first = image.file.name
    image.file = photo(2)
    image.save()
    second = image.file.name
    assert [args[3] for args in queued()] == [first, second]
    first_record, second_record = run_queued()
    assert first_record is None and second_record["source"] == second
    made = rendition_files(settings)
    assert len(made) == 12 and all(Path(name).name.startswith(Path(second).stem) for name in made)
    assert LibraryImage.objects.get().file_renditions == second_record


def test_an_image_replaced_while_its_renditions_are_made_leaves_no_files_behind(db, settings, monkeypatch):
    # (A library file belongs to one image row: no other row can share the files written for it.)
    settings.TASKS = DB_TASKS
    image = make_image(photo(1))
    source = image.file.name
    make = tasks.make_renditions

    def replaced_meanwhile(field_file, formats):
        written = make(field_file, formats=formats)
        # An editor uploads another picture over this one while the JPEGs were being encoded.
        LibraryImage.objects.filter(pk=image.pk).update(file="images/another.jpg", file_renditions=[])
        return written

    monkeypatch.setattr(tasks, "make_renditions", replaced_meanwhile)
    record, kept = image_renditions_make(model=LibraryImage, pk=image.pk, field_name="file", source=source)
    assert record is None and kept == []
    assert rendition_files(settings) == []
    assert LibraryImage.objects.get(pk=image.pk).file_renditions == []  # the new image's record is left alone


def test_a_demo_import_queues_every_image_and_the_article_shows_originals_until_they_are_made(client, db, settings):
    settings.TASKS = DB_TASKS
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    article = Article.objects.get(slug="can-foot-pain-cause-knee-pain")
    assert len(queued()) >= 8  # hero, three figures, avatar, three products (and feed images)
    assert rendition_files(settings) == [f"{Path(article.social_image.name).relative_to('renditions')}"]
    page = Pictures(client.get(article.get_absolute_url()).content.decode())
    assert page.pictures and all(p["sources"] == [] and "srcset" not in p["img"] for p in page.pictures)
    assert all(p["img"]["src"].startswith(settings.MEDIA_URL) for p in page.pictures)

    run_queued()
    page = Pictures(client.get(article.get_absolute_url()).content.decode())
    assert all([s["type"] for s in p["sources"]] == ["image/avif", "image/webp"] for p in page.pictures)
    (hero,) = page.with_class("article__hero")
    assert srcset_widths(hero["sources"][0]["srcset"]) == [160, 320, 640, 960, 1280, 1600]


def test_the_task_makes_avif_renditions_in_an_s3_bucket(client, db, s3_media, settings):
    settings.TASKS = DB_TASKS
    product = make_product(image=ContentFile(image_bytes(700, 500), name="shoe.jpg"), image_alt="A grey sneaker.")
    image = product.image
    assert s3_media.keys() == {image.file.name}
    (record,) = run_queued()
    assert recorded_widths(LibraryImage.objects.get().file) == {"jpg": WIDTHS, "webp": WIDTHS, "avif": WIDTHS}
    avifs = {rendition_name(image.file.name, w, "avif") for w in WIDTHS}
    assert avifs <= s3_media.keys() and len(s3_media.keys()) == 13
    assert make_image_renditions.call("core.Image", image.pk, "file", image.file.name) == record

    (avif, _webp) = main_picture(client, product)["sources"]
    assert avif["type"] == "image/avif"
    for candidate in avif["srcset"].split(", "):
        url, width = candidate.rsplit(" ", 1)
        assert url.startswith(f"{s3_media.origin}/{s3_media.bucket}/renditions/products/")
        with urllib.request.urlopen(url, timeout=10) as response:  # what a browser gets from the bucket
            with Image.open(io.BytesIO(response.read())) as img:
                assert (img.format, f"{img.width}w") == ("AVIF", width)
