"""schema.org JSON-LD for article pages: one @graph whose URLs agree with the canonical."""

from django.templatetags.static import static
from django.urls import reverse

from core.links import absolute_url as absolute
from core.richtext import html_to_text


def article_graph(article, faqs, topics) -> dict:
    url = absolute(article.get_absolute_url())
    organization = {
        "@type": "Organization",
        "@id": absolute("/#organization"),
        "name": "KURU Footwear",
        "url": absolute("/"),
        "logo": {"@type": "ImageObject", "url": absolute(static("img/kuru-logo.svg"))},
    }
    author = {
        "@type": "Organization" if article.author.is_organization else "Person",
        "name": article.author.name,
        "url": absolute(article.author.get_absolute_url()),
    }
    posting = {
        "@type": "BlogPosting",
        "@id": url + "#article",
        "mainEntityOfPage": url,
        "url": url,
        "headline": article.title[:110],
        "description": article.meta_description or article.excerpt,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "author": author,
        "publisher": {"@id": organization["@id"]},
        "wordCount": article.word_count,
        "timeRequired": f"PT{article.reading_minutes}M",
        "keywords": [t.name for t in topics],
    }
    if article.social_image:
        posting["image"] = [absolute(article.social_image.url)]
    graph = [
        organization,
        posting,
        {
            "@type": "BreadcrumbList",
            "@id": url + "#breadcrumbs",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Home", "item": absolute(reverse("articles:home"))},
                {"@type": "ListItem", "position": 2, "name": "Blog", "item": absolute(reverse("articles:index"))},
                {"@type": "ListItem", "position": 3, "name": article.title, "item": url},
            ],
        },
    ]
    if faqs:
        graph.append(
            {
                "@type": "FAQPage",
                "@id": url + "#faq",
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": faq.question,
                        "acceptedAnswer": {"@type": "Answer", "text": html_to_text(faq.answer_html)},
                    }
                    for faq in faqs
                ],
            }
        )
    return {"@context": "https://schema.org", "@graph": graph}
