"""A library image given another file: the old original and its renditions leave storage once the save commits."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.images import recorded_widths, rendition_name
from core.models import Image
from tests.factories import image_bytes, image_file, make_image

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _stored_files(media_root) -> set[str]:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


def _stamp(path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def _files_of(name: str, stored: set[str]) -> set[str]:
    """The original `name` and its renditions among the stored files."""
    stem = name.rsplit(".", 1)[0]
    return {file for file in stored if file == name or file.startswith(f"renditions/{stem}-")}


def _queued_removals() -> list[list]:
    from django_tasks_db.models import DBTaskResult

    removals = DBTaskResult.objects.filter(task_path="core.tasks.remove_image_files", status="READY")
    return [result.args_kwargs["args"] for result in removals]


def _change_form(image, **changes) -> dict:
    data = {"title": image.title, "alt": image.alt, "credit": image.credit, "focal_x": "", "focal_y": ""}
    return {**data, **changes}


def test_replacing_the_file_in_the_admin_removes_the_old_files_once_the_save_commits(
    db, staff_client, settings, django_capture_on_commit_callbacks
):
    image = make_image(image_file(width=700, height=400, color=(40, 90, 30)), alt="A green field.")
    other = make_image(image_file(width=200, height=100, color=(90, 40, 30)), alt="A red field.")
    old, before = image.file.name, _stored_files(settings.MEDIA_ROOT)
    old_files = _files_of(old, before)
    assert len(old_files) == 1 + 4 * 3  # the original, 4 widths in JPEG, WebP and AVIF

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("admin:core_image_change", args=[image.pk]),
            _change_form(image, file=image_file("meadow.jpg", width=500, height=300, color=(30, 40, 90))),
        )
        assert response.status_code == 302
        assert old_files <= _stored_files(settings.MEDIA_ROOT)  # not before the save commits

    for callback in callbacks:
        callback()
    image.refresh_from_db()
    new = image.file.name
    after = _stored_files(settings.MEDIA_ROOT)
    assert new != old and (image.file_width, image.file_height) == (500, 300)
    # The new picture has its renditions, made and recorded as for an upload.
    assert recorded_widths(image.file) == {"jpg": [160, 320, 500], "webp": [160, 320, 500], "avif": [160, 320, 500]}
    made = {rendition_name(new, width, ext) for width in (160, 320, 500) for ext in ("jpg", "webp", "avif")}
    assert _files_of(new, after) == {new, *made}
    assert after == (before - old_files) | _files_of(new, after)
    assert _files_of(other.file.name, after) == _files_of(other.file.name, before)


def test_a_save_that_keeps_the_file_queues_no_removal_and_asks_nothing_more(
    db, staff_client, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    image = make_image(image_file(width=400, height=300, color=(1, 100, 200)), alt="A blue wall.")
    before = _stored_files(settings.MEDIA_ROOT)
    settings.TASKS = DB_TASKS  # a removal would wait in the queue, to be seen

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:core_image_change", args=[image.pk]),
            _change_form(image, alt="A blue wall at noon.", focal_x="0.2", focal_y="0.3"),
        )
        assert response.status_code == 302
        loaded = Image.objects.get(pk=image.pk)
        loaded.credit = "Photo: Ana Ruiz"
        with django_assert_num_queries(1):  # the UPDATE: the old file name is known from loading the row
            loaded.save()

    assert _queued_removals() == []
    assert _stored_files(settings.MEDIA_ROOT) == before
    assert Image.objects.get(pk=image.pk).alt == "A blue wall at noon."


def test_the_old_file_is_kept_while_another_image_holds_it(db, settings, django_capture_on_commit_callbacks):
    """Replaced, and the old picture uploaded as an image of its own before the save commits: that one keeps it."""
    data = image_bytes(width=400, height=300, color=(1, 100, 200))
    image = Image.objects.from_bytes(data, "images", alt="A blue wall.")
    old, before = image.file.name, _stored_files(settings.MEDIA_ROOT)
    old_files = {name: _stamp(settings.MEDIA_ROOT / name) for name in _files_of(old, before)}

    with django_capture_on_commit_callbacks(execute=True):
        image.file = image_file("red.jpg", width=300, height=200, color=(200, 1, 1))
        image.save()
        again = Image.objects.from_bytes(data, "images", alt="A blue wall, again.")

    assert again.pk != image.pk and again.file.name == old
    # The very files: neither removed nor written again.
    assert {name: _stamp(settings.MEDIA_ROOT / name) for name in old_files} == old_files
    assert len(_files_of(image.file.name, _stored_files(settings.MEDIA_ROOT))) == 1 + 2 * 3  # 160 and 300 px


def test_a_replacement_that_rolls_back_removes_nothing(db, settings, django_capture_on_commit_callbacks):
    image = make_image(image_file(width=400, height=300, color=(60, 60, 60)), alt="A grey wall.")
    old, before = image.file.name, _stored_files(settings.MEDIA_ROOT)

    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend would remove them at once
        with pytest.raises(RuntimeError), transaction.atomic():
            image.file = image_file("white.jpg", width=300, height=200, color=(250, 250, 250))
            image.save()
            raise RuntimeError("the rest of the change failed")

    assert Image.objects.get(pk=image.pk).file.name == old
    assert before <= _stored_files(settings.MEDIA_ROOT)


def test_an_image_loaded_without_its_file_finds_the_old_one_in_the_database(
    db, settings, django_capture_on_commit_callbacks
):
    image = make_image(image_file(width=300, height=200, color=(5, 150, 5)), alt="A green wall.")
    old = image.file.name
    assert len(_files_of(old, _stored_files(settings.MEDIA_ROOT))) == 1 + 2 * 3  # 160 and 300 px

    with django_capture_on_commit_callbacks(execute=True):
        deferred = Image.objects.only("title").get(pk=image.pk)
        deferred.file = image_file("yellow.jpg", width=200, height=100, color=(250, 250, 5))
        deferred.save()
    assert _files_of(old, _stored_files(settings.MEDIA_ROOT)) == set()

    # Replaced again on the same instance: the file it saved last goes, the one it holds stays.
    second = deferred.file.name
    with django_capture_on_commit_callbacks(execute=True):
        deferred.file = image_file("pink.jpg", width=200, height=100, color=(250, 5, 250))
        deferred.save()
    stored = _stored_files(settings.MEDIA_ROOT)
    assert _files_of(second, stored) == set()
    assert len(_files_of(deferred.file.name, stored)) == 1 + 2 * 3  # 160 and 200 px


def test_replacing_an_image_removes_the_old_files_from_the_bucket(s3_media, db, django_capture_on_commit_callbacks):
    image = make_image(image_file(width=500, height=300, color=(7, 7, 70)), alt="A navy sock.")
    old = image.file.name
    assert old in s3_media.keys() and len(s3_media.keys()) == 1 + 3 * 3

    with django_capture_on_commit_callbacks(execute=True):
        image.file = image_file("sock.jpg", width=50, height=30, color=(70, 7, 7))
        image.save()

    new = image.file.name
    assert s3_media.keys() == {new, *(rendition_name(new, 50, ext) for ext in ("jpg", "webp", "avif"))}
