# Apart from 0008: PostgreSQL refuses to alter a table in the transaction that updated its rows
# while their foreign-key checks are still pending. The indexes are what the report reads.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0009_click_day"),
    ]

    operations = [
        migrations.AlterField(
            model_name="click",
            name="day",
            field=models.DateField(
                editable=False,
                help_text="The day of created_at in the site's time zone (TIME_ZONE), as reports count days.",
            ),
        ),
        migrations.AddIndex(
            model_name="click",
            index=models.Index(fields=["is_bot", "article", "day"], name="click_report_article"),
        ),
        migrations.AddIndex(
            model_name="click",
            index=models.Index(fields=["is_bot", "product", "day", "article"], name="click_report_product"),
        ),
        migrations.AddIndex(
            model_name="click",
            index=models.Index(fields=["is_bot", "placement", "day"], name="click_report_placement"),
        ),
        migrations.RemoveIndex(model_name="articledailyviews", name="article_daily_views_day"),
        migrations.AddIndex(
            model_name="articledailyviews",
            index=models.Index(fields=["day", "article", "views"], name="article_daily_views_day"),
        ),
    ]
