from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from core.links import absolute_url
from core.pagecache import mark_cacheable

from .models import Article, Topic

FEED_SIZE = 20


class LatestArticlesFeed(Feed):
    """The newest articles. Every link is on SITE_URL: the feed is cached for everyone, so the
    request's Host or X-Forwarded-Proto must not choose them (Django's Feed would use both)."""

    title = "KURU Footwear Blog"
    url_name = "articles:feed-rss"
    description = "Foot health, knee pain and comfort footwear from the experts at KURU Footwear."

    def __call__(self, request, *args, **kwargs):
        return mark_cacheable(super().__call__(request, *args, **kwargs))

    def link(self):
        return absolute_url(reverse("articles:index"))

    def feed_url(self):
        return absolute_url(reverse(self.url_name))

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def items(self):
        return Article.objects.for_listing()[:FEED_SIZE]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.excerpt or article.meta_description

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.author.name


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed-atom"
    subtitle = LatestArticlesFeed.description


class TopicFeed(LatestArticlesFeed):
    url_name = "articles:topic-feed-rss"

    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return f"{topic.name} | KURU Footwear Blog"

    def link(self, topic):
        return absolute_url(topic.get_absolute_url())

    def feed_url(self, topic):
        return absolute_url(reverse(self.url_name, args=[topic.slug]))

    def description(self, topic):
        return topic.description or f"Articles about {topic.name} from KURU Footwear."

    def items(self, topic):
        return Article.objects.published().filter(topics=topic).select_related("author")[:FEED_SIZE]


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed
    url_name = "articles:topic-feed-atom"

    def subtitle(self, topic):
        return self.description(topic)
