from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"

    def ready(self):
        from kuru_site.pagecache import bump_generation

        from .models import Product, Rating

        # A product's card appears in many articles: any change refreshes every page.
        post_save.connect(bump_generation, sender=Product, dispatch_uid="pagecache-save-Product")
        post_delete.connect(bump_generation, sender=Product, dispatch_uid="pagecache-delete-Product")
        # Deleting ratings (one, or a queryset: Django's deletion runs in one
        # transaction and signals each row) refreshes the aggregate inside it.
        # Rating.save() does the same for saves.
        post_delete.connect(refresh_rating_aggregate, sender=Rating, dispatch_uid="rating-aggregate-delete")

        from articles.models import Article

        from .pageviews import refresh_popular_articles_on_commit

        # The 500 page's popular articles are kept in the cache; titles and publishing change with articles.
        post_save.connect(refresh_popular_articles_on_commit, sender=Article, dispatch_uid="popular-save-Article")
        post_delete.connect(refresh_popular_articles_on_commit, sender=Article, dispatch_uid="popular-delete-Article")


def refresh_rating_aggregate(sender, instance, **kwargs):
    """A deleted rating updates its product's aggregate in the same transaction."""
    from .models import Product
    from .services import product_refresh_rating

    # When the product itself is being deleted, its ratings go with it: nothing to refresh.
    if Product.objects.filter(pk=instance.product_id).exists():
        product_refresh_rating(product_id=instance.product_id)
