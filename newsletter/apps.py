from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletter"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.mail import register_suppression_check
        from core.pagecache import bump_generation
        from products.reports import register

        # Register the deploy checks, the bounce receiver and the dashboard's block.
        from . import checks, dashboard, webhooks  # noqa: F401
        from .models import Issue, Suppression
        from .reports import article_signups

        # The archive is a cached public page; a send that finishes bumps it too (sending.py).
        post_save.connect(bump_generation, sender=Issue, dispatch_uid="pagecache-save-Issue")
        post_delete.connect(bump_generation, sender=Issue, dispatch_uid="pagecache-delete-Issue")

        # "Articles that sell" (products) shows the signups each article brought.
        register(article_signups)

        # A bounced or complaining address gets no mail from any app (review notifications too).
        register_suppression_check(Suppression.objects.is_suppressed)
