"""Each click's day in the site's time zone, stored, so the report counts days without a date function per row."""

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def fill_days(apps, schema_editor):
    Click = apps.get_model("products", "Click")
    zone = timezone.get_default_timezone()
    todo = Click.objects.filter(day__isnull=True).only("pk", "created_at").order_by("pk")
    while batch := list(todo[:BATCH]):
        for click in batch:
            click.day = timezone.localdate(click.created_at, timezone=zone)
        Click.objects.bulk_update(batch, ["day"])


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0008_click_campaign"),
    ]

    operations = [
        migrations.AddField(
            model_name="click",
            name="day",
            field=models.DateField(editable=False, null=True),
        ),
        # Backwards, the column goes with the AddField: nothing to undo here.
        migrations.RunPython(fill_days, migrations.RunPython.noop),
    ]
