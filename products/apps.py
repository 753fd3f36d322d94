from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"

    def ready(self):
        from core.pagecache import bump_generation, register_query_values, register_unread_query

        from . import dashboard  # noqa: F401 (registers the admin dashboard's block)
        from .models import Product, ProductImage, ProductVariant, Rating
        from .views import PLACEMENT, REVIEW_SORTS, SLUG, SORTS

        # The shop's filters are cached for the values the shop offers, no others.
        register_query_values("sort", SORTS)
        register_query_values("category", Product.Category.values)
        # The product page's review orders (with `page`, which the page cache accepts as a number).
        register_query_values("reviews", REVIEW_SORTS)
        # An article card's link to the product page says which article and card sent the shopper;
        # the page is the same (one cached page per product), its Buy link passes them on (views.go).
        register_unread_query("article", SLUG.pattern.strip("^$"))
        register_unread_query("placement", PLACEMENT.pattern.strip("^$"))
        # And, from an article a newsletter issue linked to, that issue (static/js/campaign.js).
        register_unread_query("campaign", SLUG.pattern.strip("^$"))

        # A product's card appears in many articles: any change refreshes every page.
        post_save.connect(bump_generation, sender=Product, dispatch_uid="pagecache-save-Product")
        post_delete.connect(bump_generation, sender=Product, dispatch_uid="pagecache-delete-Product")
        for model in (ProductVariant, ProductImage):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
        # Deleting ratings (one, or a queryset: Django's deletion runs in one
        # transaction and signals each row) refreshes the aggregate inside it.
        # Rating.save() does the same for saves.
        post_delete.connect(refresh_rating_aggregate, sender=Rating, dispatch_uid="rating-aggregate-delete")


def refresh_rating_aggregate(sender, instance, **kwargs):
    """A deleted rating updates its product's aggregate in the same transaction."""
    from .models import Product

    # When the product itself is being deleted, its ratings go with it: nothing to refresh.
    if Product.objects.filter(pk=instance.product_id).exists():
        Product.refresh_rating(instance.product_id)
