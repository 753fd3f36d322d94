"""
Make the missing JPEG, WebP and AVIF renditions of every library image (heroes, figures, avatars, products use them).

Saving a model queues its renditions (core.tasks); this backfills images stored
before renditions (or AVIF) existed, rows whose record is a plain list of
widths, and images whose files were lost. Files already there are kept. Each
image's row then records the formats and widths that exist (pages read that
record), and cached pages are refreshed when a record changed.
"""

from django.core.management.base import BaseCommand

from core.images import STORAGE_ERRORS, make_renditions, renditions_field, stored_renditions
from core.models import Image
from core.pagecache import bump_generation

IMAGE_FIELDS = [(Image, "file")]


class Command(BaseCommand):
    help = "Write the missing image renditions (JPEG, WebP and AVIF at each width up to the original's)."

    def handle(self, *args, **options):
        images = written = failed = listed = 0
        for model, field in IMAGE_FIELDS:
            renditions = renditions_field(model._meta.get_field(field))
            fields = ["pk", field, renditions, *_size_fields(model, field)]
            for instance in model.objects.exclude(**{field: ""}).only(*fields):
                images += 1
                image = getattr(instance, field)
                try:
                    written += len(make_renditions(image))
                except (*STORAGE_ERRORS, ValueError) as exc:
                    failed += 1
                    self.stderr.write(f"{model._meta.label} {instance.pk}: cannot read {image.name} ({exc}).")
                record = stored_renditions(image)
                if record != getattr(instance, renditions):
                    # update(): no save() side effects (updated_at, revisions, a queued task); the page
                    # cache is told below. Only while the row still holds this image.
                    listed += model.objects.filter(pk=instance.pk, **{field: image.name}).update(**{renditions: record})
        if listed:
            bump_generation()
        self.stdout.write(f"Checked {images} image(s); wrote {written} rendition file(s); updated {listed} row(s).")
        if failed:
            self.stderr.write(f"{failed} image(s) could not be read: upload them again.")


def _size_fields(model, field):
    image_field = model._meta.get_field(field)
    return [name for name in (image_field.width_field, image_field.height_field) if name]
