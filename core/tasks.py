"""Image renditions, made by the task queue (`manage.py db_worker` in production) after an image is saved."""

import logging

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models, transaction
from django_tasks import TaskResultStatus, task

from .images import (
    PENDING_RENDITIONS,
    RENDITION_FORMATS,
    STORAGE_ERRORS,
    image_size,
    make_renditions,
    recorded_widths,
    rendition_name,
    rendition_widths,
    renditions_field,
    tracking_written_files,
)
from .pagecache import bump_generation

logger = logging.getLogger(__name__)


def queue_renditions(sender, instance, **kwargs):
    """post_save receiver: queue the renditions prepare_image() found missing, one task per image field.

    Queued inside the save's transaction, not after it commits: with the database
    backend the task's row commits (or rolls back) with the image's, so no image
    is saved without its task; the immediate backend runs it at once, inside an
    import's written_files_removed_on_error(), which then also removes its files.
    """
    pending = instance.__dict__.pop(PENDING_RENDITIONS, None)
    for field_name, source in (pending or {}).items():
        result = make_image_renditions.enqueue(instance._meta.label, instance.pk, field_name, source)
        if result.status == TaskResultStatus.SUCCESSFUL and result.return_value is not None:
            # Made already (the immediate backend): the instance learns its record, so saving it
            # again does not queue the same work.
            setattr(instance, renditions_field(instance._meta.get_field(field_name)), result.return_value)


@task()
def make_image_renditions(model_label: str, pk: int, field_name: str, source: str) -> dict | None:
    """Make and record the missing renditions of the image `source` on one row; return the row's record.

    A row deleted, or holding another image, by the time the task runs gets nothing (None; that image's
    own task makes its renditions); a rerun writes nothing twice.
    """
    model = apps.get_model(model_label)
    record, _written = image_renditions_make(model=model, pk=pk, field_name=field_name, source=source)
    return record


def image_renditions_make(*, model, pk, field_name: str, source: str) -> tuple[dict | None, list[str]]:
    """Write the missing renditions of `source`, format by format (JPEG, WebP, then the slow AVIF), recording each
    format on the row as soon as its files exist, so pages offer it; return (the row's record, the names written),
    with None for a row that no longer holds `source`.

    The record is written only while the row still holds `source`; files written for an image replaced or
    deleted meanwhile are removed again, unless another row uses the same (content-addressed) image.
    """
    field = model._meta.get_field(field_name)
    renditions = renditions_field(field)
    columns = [field_name, renditions, *(name for name in (field.width_field, field.height_field) if name)]
    holding = model._default_manager.filter(pk=pk, **{field_name: source})
    row = holding.only(*columns).first()
    if row is None:
        return None, []
    image = getattr(row, field_name)
    widths = rendition_widths(image_size(image)[0])
    record = {"source": source, **recorded_widths(image)}
    with tracking_written_files() as written:
        for ext in RENDITION_FORMATS:
            if record[ext] == widths:
                continue  # recorded: a rerun reads no file
            try:
                make_renditions(image, formats=(ext,))
            except (*STORAGE_ERRORS, ValueError) as exc:
                # A lost or unreadable original: pages keep what is recorded; `make_renditions` reports it.
                logger.warning("No %s renditions for %s: %s", ext, source, exc)
                break
            record[ext] = widths
            if not holding.update(**{renditions: record}):
                return None, _remove_unused(written, source)
            bump_generation()  # cached pages were rendered without this format
    return record, written


def queue_image_files_removal(sender, instance, using=None, **kwargs):
    """post_delete receiver for library images: once the deletion commits, queue removing the image's files.

    Not before: a deletion that rolls back must find its files where they were.
    """
    name, width = instance.file.name, instance.file_width
    if name:
        transaction.on_commit(lambda: remove_image_files.enqueue(name, width), using=using)


def queue_replaced_image_files_removal(sender, instance, using=None, **kwargs):
    """post_save receiver for library images: once a save that stored another file in place of the row's
    commits, queue removing the file it held (`Image.save()` notes which).

    Not before: a save that rolls back leaves the row holding that file.
    """
    replaced, instance._replaced_file = getattr(instance, "_replaced_file", None), None
    if replaced:
        name, width = replaced
        transaction.on_commit(lambda: remove_image_files.enqueue(name, width), using=using)


@task()
def remove_image_files(name: str, width: int | None) -> list[str]:
    """Delete the original and every rendition of a deleted or replaced image from storage; return the names
    deleted.

    Nothing is deleted while a row holds the same (content-addressed) file: the same picture uploaded
    anew after the deletion, or shown by another row, keeps its files.
    """
    if source_in_use(name):
        return []
    names = [name, *(rendition_name(name, w, ext) for ext in RENDITION_FORMATS for w in rendition_widths(width))]
    for stored in names:
        default_storage.delete(stored)  # a rendition never made is no error
    logger.info("Removed %s and its renditions: no library image holds it any longer.", name)
    return names


def _remove_unused(names: list[str], source: str) -> list[str]:
    """Delete the rendition files just written for an image that no row holds any longer; return those kept."""
    if not names or source_in_use(source):
        return names
    for name in names:
        default_storage.delete(name)
    logger.info("Removed %d rendition(s) of %s: its row changed while they were made.", len(names), source)
    return []


def source_in_use(name: str) -> bool:
    """True when some row's image field (one with renditions) holds the stored image `name`."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ImageField) and field.width_field:
                if model._default_manager.filter(**{field.name: name}).exists():
                    return True
    return False
