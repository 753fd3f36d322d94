from django import template

from products.pageviews import popular_articles as cached_popular_articles

register = template.Library()


@register.inclusion_tag("includes/popular_articles.html")
def popular_articles():
    """The most read articles, from the cache only: the 500 page must not need the database."""
    return {"articles": cached_popular_articles()}
