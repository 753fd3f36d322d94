from django import template

from articles.models import Article
from articles.pageviews import popular_articles as cached_popular_articles
from articles.pageviews import refresh_popular_articles

register = template.Library()


@register.inclusion_tag("includes/popular_articles.html")
def popular_articles(may_query=False):
    """The most read articles, from the cache: the 500 page must not need the database.

    With may_query (the 404 page), an empty cache is filled from the database first.
    """
    articles = cached_popular_articles()
    if not articles and may_query:
        articles = refresh_popular_articles()
    return {"articles": articles}


@register.simple_tag
def articles_recommending(product):
    """Published articles whose cards show `product`, newest first: the shop's "Recommended in" list."""
    return (
        Article.objects.published()
        .filter(product_cards__product=product)
        .distinct()
        .only("title", "slug", "published_at")
    )
