from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses: images, rich text, the page cache, rate limits, links and site-wide tags."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
