"""Drop the products' own image columns (moved to the library by 0009); the library fields take their names.

`image` was required on gallery pictures: it is made optional first, so that
reversing this migration can add the column back to existing rows (0009's
reverse then fills it).
"""

import django.db.models.deletion
from django.db import migrations, models

import core.images


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0012_move_images"),
    ]

    operations = [
        migrations.AlterField(
            model_name="productimage",
            name="image",
            field=models.ImageField(
                blank=True,
                height_field="image_height",
                upload_to="products/",
                validators=[core.images.validate_image_file],
                width_field="image_width",
            ),
        ),
        migrations.RemoveField(model_name="product", name="image"),
        migrations.RemoveField(model_name="product", name="image_width"),
        migrations.RemoveField(model_name="product", name="image_height"),
        migrations.RemoveField(model_name="product", name="image_renditions"),
        migrations.RemoveField(model_name="productimage", name="image"),
        migrations.RemoveField(model_name="productimage", name="image_width"),
        migrations.RemoveField(model_name="productimage", name="image_height"),
        migrations.RemoveField(model_name="productimage", name="image_renditions"),
        migrations.RenameField(model_name="product", old_name="image_library", new_name="image"),
        migrations.RenameField(model_name="productimage", old_name="image_library", new_name="image"),
        migrations.AlterField(
            model_name="product",
            name="image",
            field=models.ForeignKey(
                blank=True,
                help_text="The product’s picture from the library: cards show it square, around its focal point.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="core.image",
            ),
        ),
        migrations.AlterField(
            model_name="productimage",
            name="image",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="product_images", to="core.image"
            ),
        ),
        migrations.AlterField(
            model_name="product",
            name="image_alt",
            field=models.CharField(
                blank=True,
                help_text="Empty: the image’s default alt text.",
                max_length=250,
                verbose_name="image alt text",
            ),
        ),
        migrations.AlterField(
            model_name="productimage",
            name="image_alt",
            field=models.CharField(blank=True, max_length=250, verbose_name="image alt text"),
        ),
    ]
