"""List, on each image's row, the renditions already in MEDIA_ROOT.

Pages read the widths from the row instead of looking for files. The naming
and width rules are copied from articles/images.py as they stand today: a
migration must give the same answer whatever the application code becomes.
"""

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import migrations

RENDITION_WIDTHS = (160, 320, 640, 960, 1280, 1600)
RENDITION_FORMATS = ("webp", "jpg")
# (app, model, image field, its width field, the field listing its renditions)
IMAGE_FIELDS = [
    ("articles", "Article", "hero_image", "hero_width", "hero_renditions"),
    ("articles", "Section", "figure_image", "figure_width", "figure_renditions"),
    ("articles", "Author", "avatar", "avatar_width", "avatar_renditions"),
    ("products", "Product", "image", "image_width", "image_renditions"),
]


def stored_widths(name, width):
    """The widths made for an original `width` pixels wide whose WebP and JPEG files both exist."""
    if not width:
        return []
    widths = [w for w in RENDITION_WIDTHS if w < width]
    if width <= RENDITION_WIDTHS[-1]:
        widths.append(width)
    stem = PurePosixPath(name).with_suffix("")
    return [
        w for w in widths if all(default_storage.exists(f"renditions/{stem}-{w}w.{ext}") for ext in RENDITION_FORMATS)
    ]


def fill_renditions(apps, schema_editor):
    for app_label, model_name, image, width, renditions in IMAGE_FIELDS:
        model = apps.get_model(app_label, model_name)
        # A list, not an iterator: SQLite does not isolate a running SELECT from the UPDATEs below.
        for pk, name, original_width in list(model.objects.exclude(**{image: ""}).values_list("pk", image, width)):
            widths = stored_widths(name, original_width)
            if widths:
                model.objects.filter(pk=pk).update(**{renditions: widths})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_image_renditions"),
        ("products", "0006_image_renditions"),
    ]

    # Nothing to undo: the lists describe files that stay, and reversing 0009
    # (and products' 0006) drops the fields themselves.
    operations = [migrations.RunPython(fill_renditions, migrations.RunPython.noop)]
