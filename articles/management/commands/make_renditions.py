"""
Make the missing WebP and JPEG renditions of every stored image: heroes, figures, avatars, products.

Saving a model makes its renditions; this backfills images stored before
renditions existed, or whose files were lost. Files already there are kept.
"""

from django.core.management.base import BaseCommand

from articles.models import Article, Author, Section
from core.images import make_renditions
from products.models import Product

IMAGE_FIELDS = [(Article, "hero_image"), (Section, "figure_image"), (Author, "avatar"), (Product, "image")]


class Command(BaseCommand):
    help = "Write the missing image renditions (WebP and JPEG at each width up to the original's)."

    def handle(self, *args, **options):
        images = written = failed = 0
        for model, field in IMAGE_FIELDS:
            for instance in model.objects.exclude(**{field: ""}).only("pk", field, *_size_fields(model, field)):
                images += 1
                image = getattr(instance, field)
                try:
                    written += len(make_renditions(image))
                except (OSError, ValueError) as exc:
                    failed += 1
                    self.stderr.write(f"{model._meta.label} {instance.pk}: cannot read {image.name} ({exc}).")
        self.stdout.write(f"Checked {images} image(s); wrote {written} rendition file(s).")
        if failed:
            self.stderr.write(f"{failed} image(s) could not be read: upload them again.")


def _size_fields(model, field):
    image_field = model._meta.get_field(field)
    return [name for name in (image_field.width_field, image_field.height_field) if name]
