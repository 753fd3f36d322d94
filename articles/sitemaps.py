from django.db.models import OuterRef, Subquery
from django.urls import reverse

from core.sitemaps import SiteSitemap
from products.models import Product

from .models import Article, Topic


class ArticleSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, article):
        return article.updated_at


class TopicSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        # Topics with something to read, each dated by its newest article.
        newest = Article.objects.published().filter(topics=OuterRef("pk")).order_by("-updated_at")
        return (
            Topic.objects.with_published_articles()
            .annotate(last_updated=Subquery(newest.values("updated_at")[:1]))
            .order_by("name")
        )

    def lastmod(self, topic):
        return topic.last_updated


class StaticSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return [
            "articles:home",
            "articles:index",
            "products:index",
            "products:women",
            "products:men",
            "newsletter:signup",
        ]

    def location(self, name):
        return reverse(name)


class ProductSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Product.objects.active().only("slug", "updated_at").order_by("name", "id")

    def lastmod(self, product):
        return product.updated_at


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "products": ProductSitemap, "pages": StaticSitemap}
