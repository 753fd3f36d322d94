"""Products and their gallery pictures point to library images (core.Image): the new columns, empty.

The pictures move in 0009; the old file columns go in 0010, once nothing reads them.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("products", "0010_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="image_library",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="core.image",
            ),
        ),
        migrations.AddField(
            model_name="productimage",
            name="image_library",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="product_images",
                to="core.image",
            ),
        ),
    ]
