from html import escape

from django import template
from django.utils.safestring import mark_safe

from articles.models import Article
from articles.pageviews import popular_articles as cached_popular_articles
from articles.pageviews import refresh_popular_articles
from core.templatetags.image_tags import picture

register = template.Library()

FIGURE_SIZES = "(min-width: 46rem) 43.5rem, calc(100vw - 2.5rem)"


@register.simple_tag
def article_section(section):
    """One section of the article page: its heading and link, body, figure and guide callout.

    Written in Python, every value through html.escape() as the template did: the sections
    loop was the largest part of the page's render (in templates, about 600 calls a section;
    about 60 here). Cards and FAQs after a section stay in the template.
    """
    level, anchor = int(section.level), escape(section.anchor)
    parts = [
        f'<section class="article-section article-section--h{level}" id="{anchor}">',
        f'<h{level}>{escape(section.heading)} <a class="heading-link" href="#{anchor}">'
        '<span class="visually-hidden">Link to this section</span><span aria-hidden="true">#</span></a>'
        f"</h{level}>",
    ]
    if section.body_html:
        parts.append(f'<div class="rich-text">{section.body_html}</div>')  # sanitized on save
    if section.figure_image:
        parts.append(
            f'<figure class="figure">{picture(section.figure_image.file, section.figure_alt_text, sizes=FIGURE_SIZES)}'
        )
        if section.figure_caption:
            parts.append(f"<figcaption>{escape(section.figure_caption)}</figcaption>")
        parts.append("</figure>")
    link = section.callout_link
    if link:
        parts.append(
            f'<p class="guide-callout">{escape(section.callout_lead)} '
            f'<a href="{escape(link)}">{escape(section.callout_link_text)}</a></p>'
        )
    parts.append("</section>")
    return mark_safe("\n".join(parts))


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
