"""Quotes in rich text (help texts say so), and Writers may add topics.

Writers tag their drafts; a topic they need should not wait for an Editor.
Changing or deleting a topic (which renames or empties a public page) stays
with Editors.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

WRITERS_GAIN = ["add_topic"]


def add_writer_permissions(Group, Permission):
    """Give Writers the topic permissions above (no-op without the group)."""
    for group in Group.objects.filter(name="Writers"):
        group.permissions.add(*Permission.objects.filter(content_type__app_label="articles", codename__in=WRITERS_GAIN))


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    add_writer_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Writers"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=WRITERS_GAIN)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_article_review"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="author",
            name="bio_html",
            field=models.TextField(
                blank=True,
                help_text="A short paragraph about the author. Paragraphs, bold, italic, links, lists and quotes.",
                verbose_name="bio",
            ),
        ),
        migrations.AlterField(
            model_name="faq",
            name="answer_html",
            field=models.TextField(
                help_text="Paragraphs, bold, italic, links, lists and quotes.", verbose_name="answer"
            ),
        ),
        migrations.AlterField(
            model_name="section",
            name="body_html",
            field=models.TextField(
                blank=True,
                help_text="Paragraphs, bold, italic, links, lists and quotes. Anything else is removed on save.",
                verbose_name="body",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
