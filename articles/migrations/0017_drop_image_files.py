"""Drop the heroes', figures' and avatars' own image columns (moved to the library by 0016);
the library fields take their names."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0016_move_images"),
    ]

    operations = [
        *(
            migrations.RemoveField(model_name=model, name=f"{prefix}{suffix}")
            for model, prefix, image in [
                ("author", "avatar", "avatar"),
                ("article", "hero", "hero_image"),
                ("section", "figure", "figure_image"),
            ]
            for suffix in ("_width", "_height", "_renditions")
        ),
        migrations.RemoveField(model_name="author", name="avatar"),
        migrations.RemoveField(model_name="article", name="hero_image"),
        migrations.RemoveField(model_name="section", name="figure_image"),
        migrations.RenameField(model_name="author", old_name="avatar_library", new_name="avatar"),
        migrations.RenameField(model_name="article", old_name="hero_library", new_name="hero_image"),
        migrations.RenameField(model_name="section", old_name="figure_library", new_name="figure_image"),
        migrations.AlterField(
            model_name="article",
            name="hero_image",
            field=models.ForeignKey(
                blank=True,
                help_text="A wide picture from the library, at least 1600×900 pixels.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="heroes",
                to="core.image",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="hero_alt",
            field=models.CharField(
                blank=True,
                help_text="Empty: the image’s default alt text.",
                max_length=250,
                verbose_name="hero alt text",
            ),
        ),
        migrations.AlterField(
            model_name="author",
            name="avatar",
            field=models.ForeignKey(
                blank=True,
                help_text="A square photo or logo from the library, at least 160×160 pixels.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="avatars",
                to="core.image",
            ),
        ),
        migrations.AlterField(
            model_name="author",
            name="avatar_alt",
            field=models.CharField(
                blank=True,
                help_text="What the picture shows, for readers who cannot see it. Empty: the image’s default alt text.",
                max_length=200,
                verbose_name="avatar alt text",
            ),
        ),
        migrations.AlterField(
            model_name="section",
            name="figure_image",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="figures",
                to="core.image",
                verbose_name="figure",
            ),
        ),
        migrations.AlterField(
            model_name="section",
            name="figure_alt",
            field=models.CharField(
                blank=True,
                help_text="What the figure shows here. Empty: the image’s default alt text.",
                max_length=250,
                verbose_name="figure alt text",
            ),
        ),
    ]
