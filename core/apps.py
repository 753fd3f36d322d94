from django.apps import AppConfig
from django.core.signals import request_started
from django.db.models.signals import post_save


class CoreConfig(AppConfig):
    """What every app uses: images, rich text, the page cache, rate limits, links and site-wide tags."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        from django.db.models.signals import post_delete

        from . import cacheguard, tasks
        from .models import Image
        from .pagecache import bump_generation

        # A cache that failed in one request is tried again by the next.
        request_started.connect(cacheguard.reset, dispatch_uid="cacheguard-reset")
        # Any model whose save() calls images.prepare_image(): its renditions are made off-request.
        post_save.connect(tasks.queue_renditions, dispatch_uid="core-queue-renditions")
        # A new focal point or default alt text changes every page showing the image.
        post_save.connect(bump_generation, sender=Image, dispatch_uid="pagecache-save-Image")
        post_delete.connect(bump_generation, sender=Image, dispatch_uid="pagecache-delete-Image")
        # A deleted image's original and renditions leave storage once the deletion commits.
        post_delete.connect(tasks.queue_image_files_removal, sender=Image, dispatch_uid="core-remove-Image-files")
        # So do the files an image held before staff uploaded another in their place, once that save commits.
        post_save.connect(
            tasks.queue_replaced_image_files_removal, sender=Image, dispatch_uid="core-remove-replaced-Image-files"
        )
