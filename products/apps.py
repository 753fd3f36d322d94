from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"

    def ready(self):
        from kuru_site.pagecache import bump_generation

        from .models import Product

        # A product's card appears in many articles: any change refreshes every page.
        post_save.connect(bump_generation, sender=Product, dispatch_uid="pagecache-save-Product")
        post_delete.connect(bump_generation, sender=Product, dispatch_uid="pagecache-delete-Product")
