import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_admin_log(apps, schema_editor):
    """Who the admin log says changed each article last (what the dashboard read until now)."""
    Article = apps.get_model("articles", "Article")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    content_type = ContentType.objects.filter(app_label="articles", model="article").first()
    if content_type is None:
        return
    last = {}
    for object_id, user_id in (
        LogEntry.objects.filter(content_type=content_type)
        .order_by("action_time", "pk")
        .values_list("object_id", "user_id")
    ):
        if object_id.isdigit():
            last[int(object_id)] = user_id
    for pk, user_id in last.items():  # a deleted article's entries update nothing
        Article.objects.filter(pk=pk).update(last_edited_by_id=user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_edit_presence"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="last_edited_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(from_admin_log, migrations.RunPython.noop, elidable=True),
    ]
