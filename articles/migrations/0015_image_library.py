"""Heroes, figures and avatars point to library images (core.Image): the new columns, empty.

The pictures move in 0016; the old file columns go in 0017, once nothing reads them.
"""

import django.db.models.deletion
from django.db import migrations, models


def library_field(related_name):
    return models.ForeignKey(
        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name=related_name, to="core.image"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_writing_comfort"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="author", name="avatar_library", field=library_field("avatars")),
        migrations.AddField(model_name="article", name="hero_library", field=library_field("heroes")),
        migrations.AddField(model_name="section", name="figure_library", field=library_field("figures")),
    ]
