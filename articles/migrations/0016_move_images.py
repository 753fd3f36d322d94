"""Move every hero, figure and avatar into the media library, and back when reversed.

One library image per stored file: names are content-addressed, so the same
picture in two articles (or in an article and a product) is one image. The
file, its size and its rendition list move as they are; each use keeps its own
alt text, and the library image takes the first one found as its default.
Drafts (ArticleDraft.snapshot) and saved revisions (django-reversion) name the
files too: they are rewritten to name the library images, so publishing a
draft or restoring a revision keeps its pictures. The rules are copied here,
not imported: a migration must give the same answer whatever the code becomes.
"""

import json
from pathlib import PurePosixPath

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Writers and Editors pick and upload library images; only Editors delete them.
GRANTS = {
    "Writers": ["add_image", "change_image", "view_image"],
    "Editors": ["add_image", "change_image", "delete_image", "view_image"],
}

# (model, old file field, new library field, alt field, width, height, renditions)
FIELDS = [
    ("Author", "avatar", "avatar_library", "avatar_alt", "avatar_width", "avatar_height", "avatar_renditions"),
    ("Article", "hero_image", "hero_library", "hero_alt", "hero_width", "hero_height", "hero_renditions"),
    ("Section", "figure_image", "figure_library", "figure_alt", "figure_width", "figure_height", "figure_renditions"),
]
# The field name serialized copies use after 0017 renames the library fields.
SERIALIZED = {"articles.author": "avatar", "articles.article": "hero_image", "articles.section": "figure_image"}


def library_image(Image, name, width=None, height=None, renditions=None, alt=""):
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


def convert_record(record, convert):
    """Rewrite the image field of one serialized object ({"model", "pk", "fields"}) with `convert`."""
    field = SERIALIZED.get(record.get("model"))
    fields = record.get("fields", {})
    if field and field in fields:
        fields[field] = convert(fields[field])


def convert_copies(apps, convert):
    """Apply `convert` to the image fields of every draft snapshot and saved revision."""
    for draft in list(apps.get_model("articles", "ArticleDraft").objects.all()):
        snapshot = draft.snapshot
        convert_record(snapshot.get("article", {}), convert)
        for records in snapshot.get("children", {}).values():
            for record in records:
                convert_record(record, convert)
        draft.save(update_fields=["snapshot"])
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.filter(app_label="articles", model__in=["author", "article", "section"])
    Version = apps.get_model("reversion", "Version")
    for version in list(Version.objects.filter(content_type__in=types, format="json")):
        records = json.loads(version.serialized_data)
        for record in records:
            convert_record(record, convert)
        Version.objects.filter(pk=version.pk).update(serialized_data=json.dumps(records))


def forwards(apps, schema_editor):
    Image = apps.get_model("core", "Image")
    for model_name, old, new, alt, width, height, renditions in FIELDS:
        model = apps.get_model("articles", model_name)
        # A list, not an iterator: SQLite does not isolate a running SELECT from the UPDATEs below.
        rows = list(
            model.objects.exclude(**{old: ""}).order_by("pk").values_list("pk", old, alt, width, height, renditions)
        )
        for pk, name, alt_text, w, h, widths in rows:
            model.objects.filter(pk=pk).update(**{new: library_image(Image, name, w, h, widths, alt_text)})

    def to_image(name):
        # A file only a draft or an old revision shows: its size is read from the file.
        return library_image(Image, name).pk if name else None

    convert_copies(apps, to_image)


def backwards(apps, schema_editor):
    Image = apps.get_model("core", "Image")
    for model_name, old, new, alt, width, height, renditions in FIELDS:
        model = apps.get_model("articles", model_name)
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
    names = dict(Image.objects.values_list("pk", "file"))

    def to_name(pk):
        return names.get(pk, "") if isinstance(pk, int) else (pk or "")

    convert_copies(apps, to_name)


def grant_image_permissions(apps, schema_editor):
    app_config = apps.get_app_config("core")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    add_image_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def add_image_permissions(Group, Permission):
    """Give Writers and Editors the library permissions above (no-op without the groups)."""
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.add(*Permission.objects.filter(content_type__app_label="core", codename__in=codenames))


def revoke_image_permissions(apps, schema_editor):
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(content_type__app_label="core", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_image_library"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(grant_image_permissions, revoke_image_permissions),
    ]
