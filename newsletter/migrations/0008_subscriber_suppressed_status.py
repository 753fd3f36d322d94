"""Subscribers whose address is suppressed (bounced, complained) are off the list: new statuses say so.

Until now a suppressed address kept its status (pending or confirmed), so the
admin and the reports counted it on the list while no mail went to it.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

STATUS = {"bounce": "bounced", "complaint": "complained"}


def take_suppressed_off_the_list(apps, schema_editor):
    Subscriber = apps.get_model("newsletter", "Subscriber")
    Suppression = apps.get_model("newsletter", "Suppression")
    for reason, status in STATUS.items():
        emails = Suppression.objects.filter(lifted_at__isnull=True, reason=reason).values("email")
        Subscriber.objects.annotate(key=Lower("email")).filter(
            key__in=emails, status__in=["pending", "confirmed"]
        ).update(status=status)


def put_back_as_before(apps, schema_editor):
    """Back to what the subscriber was: confirmed if its latest step was a confirmation, else pending
    (the statuses before this migration did not record suppression)."""
    Subscriber = apps.get_model("newsletter", "Subscriber")
    suppressed = Subscriber.objects.filter(status__in=STATUS.values())
    confirmed = models.Q(confirmed_at__isnull=False) & (
        models.Q(signed_up_at__isnull=True) | models.Q(confirmed_at__gte=models.F("signed_up_at"))
    )
    suppressed.filter(confirmed).update(status="confirmed")
    suppressed.exclude(confirmed).update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0007_article_clicks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subscriber",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending confirmation"),
                    ("confirmed", "Subscribed"),
                    ("unsubscribed", "Unsubscribed"),
                    ("bounced", "Bounced (address suppressed)"),
                    ("complained", "Marked as spam (address suppressed)"),
                ],
                db_index=True,
                default="pending",
                max_length=12,
            ),
        ),
        migrations.RunPython(take_suppressed_off_the_list, put_back_as_before),
    ]
