from django.apps import AppConfig
from django.core.signals import request_started


class CoreConfig(AppConfig):
    """What every app uses: images, rich text, the page cache, rate limits, links and site-wide tags."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from . import cacheguard

        # A cache that failed in one request is tried again by the next.
        request_started.connect(cacheguard.reset, dispatch_uid="cacheguard-reset")
