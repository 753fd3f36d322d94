from django.views.generic import ListView

from kuru_site.pagecache import PublicPageMixin

from .models import Product


class ShopView(PublicPageMixin, ListView):
    """Active products, optionally for one gender (unisex products show in both)."""

    template_name = "products/product_list.html"
    context_object_name = "products"
    paginate_by = 24
    gender = None

    def get_queryset(self):
        products = Product.objects.active().order_by("-is_recommended", "-rating_count", "name")
        if self.gender:
            products = products.filter(gender__in=[self.gender, Product.Gender.UNISEX])
        return products

    def get_context_data(self, **kwargs):
        titles = {"women": "Women’s shoes", "men": "Men’s shoes"}
        return super().get_context_data(
            gender=self.gender, heading=titles.get(self.gender, "Shop all shoes"), **kwargs
        )
