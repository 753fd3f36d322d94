from django.apps import AppConfig
from django.core.signals import request_started


class CoreConfig(AppConfig):
    """What every app uses: images, rich text, the page cache, rate limits, links and site-wide tags."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import cacheguard
        from .models import Image
        from .pagecache import bump_generation

        # A cache that failed in one request is tried again by the next.
        request_started.connect(cacheguard.reset, dispatch_uid="cacheguard-reset")
        # A new focal point or default alt text changes every page showing the image.
        post_save.connect(bump_generation, sender=Image, dispatch_uid="pagecache-save-Image")
        post_delete.connect(bump_generation, sender=Image, dispatch_uid="pagecache-delete-Image")
