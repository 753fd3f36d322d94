"""The two content roles. Administrators stay superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CHILDREN = ["section", "takeaway", "faq", "productcard"]

WRITERS = [
    *(f"articles.{action}_article" for action in ("add", "change", "delete", "view")),
    *(f"articles.{action}_{model}" for model in CHILDREN for action in ("add", "change", "delete", "view")),
    "articles.view_author",
    "articles.view_topic",
    "products.view_product",
]
EDITORS = [
    *WRITERS,
    "articles.publish_article",
    *(
        f"articles.{action}_{model}"
        for model in ("author", "topic", "redirect")
        for action in ("add", "change", "delete", "view")
    ),
    "products.change_product",
    *(f"products.{action}_rating" for action in ("change", "delete", "view")),
    "products.view_click",
]


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    add_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def add_groups(Group, Permission):
    for name, codenames in (("Writers", WRITERS), ("Editors", EDITORS)):
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Writers", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_publish_permission"),
        ("products", "0004_ratings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
