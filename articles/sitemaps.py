from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Article, Topic


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, article):
        return article.updated_at


class TopicSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        # Topics with something to read, each dated by its newest article.
        return (
            Topic.objects.filter(articles__in=Article.objects.published())
            .annotate(last_updated=Max("articles__updated_at"))
            .order_by("name")
        )

    def lastmod(self, topic):
        return topic.last_updated


class StaticSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["home", "articles:index", "products:index", "products:women", "products:men", "newsletter:signup"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "pages": StaticSitemap}
