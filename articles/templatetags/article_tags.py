from django import template

from articles.models import Article

register = template.Library()


@register.inclusion_tag("includes/latest_articles.html")
def latest_articles(count=3):
    """The newest published articles, for pages without their own (404)."""
    return {"articles": Article.objects.for_listing()[:count]}
