"""Move every product picture into the media library, and back when reversed.

One library image per stored file: names are content-addressed, so a picture
used by two products (or a product and an article) is one image. The file,
its size and its rendition list move as they are; each use keeps its own alt
text, and the library image takes the first one found as its default. The
rules are copied here, not imported: a migration must give the same answer
whatever the application code becomes.
"""

from pathlib import PurePosixPath

from django.db import migrations

# (model, old file field, new library field, alt field, width, height, renditions)
FIELDS = [
    ("Product", "image", "image_library", "image_alt", "image_width", "image_height", "image_renditions"),
    ("ProductImage", "image", "image_library", "image_alt", "image_width", "image_height", "image_renditions"),
]


def library_image(Image, name, width, height, renditions, alt):
    """The library image of the stored file `name`, made when there is none yet."""
    image = Image.objects.filter(file=name).first()
    if image is None:
        title = alt[:200] if alt else PurePosixPath(name).stem
        image = Image(file=name, title=title, alt=alt, file_width=width, file_height=height)
        image.file_renditions = renditions or []
        image.save()
    elif alt and not image.alt:
        Image.objects.filter(pk=image.pk).update(alt=alt)
    return image


def forwards(apps, schema_editor):
    Image = apps.get_model("core", "Image")
    for model_name, old, new, alt, width, height, renditions in FIELDS:
        model = apps.get_model("products", model_name)
        # A list, not an iterator: SQLite does not isolate a running SELECT from the UPDATEs below.
        rows = list(
            model.objects.exclude(**{old: ""}).order_by("pk").values_list("pk", old, alt, width, height, renditions)
        )
        for pk, name, alt_text, w, h, widths in rows:
            model.objects.filter(pk=pk).update(**{new: library_image(Image, name, w, h, widths, alt_text)})


def backwards(apps, schema_editor):
    for model_name, old, new, alt, width, height, renditions in FIELDS:
        model = apps.get_model("products", model_name)
        for row in list(model.objects.filter(**{f"{new}__isnull": False}).select_related(new)):
            image = getattr(row, new)
            model.objects.filter(pk=row.pk).update(
                **{
                    old: image.file.name,
                    width: image.file_width,
                    height: image.file_height,
                    renditions: image.file_renditions,
                    # A use that showed the image's default alt text keeps it as its own.
                    alt: getattr(row, alt) or image.alt,
                }
            )


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0011_image_library"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
