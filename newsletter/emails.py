"""Every email to a subscriber, built in one place so each carries the unsubscribe headers."""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.images import available_renditions, image_size
from core.links import absolute_url as absolute
from core.richtext import html_to_text

from .tokens import confirm_token, unsubscribe_token

# What an issue's article links say in the shop's and the site's analytics.
UTM_SOURCE = "kuru-newsletter"
# Display widths in the email: the 600-pixel column, and a product's thumbnail.
HERO_WIDTH = 552
PRODUCT_WIDTH = 120


def unsubscribe_url(subscriber) -> str:
    return absolute(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))


def subscriber_message(
    subscriber, *, subject: str, template: str, context: dict, headers: dict | None = None
) -> EmailMultiAlternatives:
    """An email to one subscriber with RFC 8058 one-click unsubscribe headers."""
    leave = unsubscribe_url(subscriber)
    context = {**context, "subscriber": subscriber, "unsubscribe_url": leave}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            **(headers or {}),
        },
    )
    message.attach_alternative(render_to_string(f"newsletter/email/{template}.html", context), "text/html")
    return message


def confirmation_message(subscriber) -> EmailMultiAlternatives:
    confirm = absolute(reverse("newsletter:confirm", args=[confirm_token(subscriber)]))
    return subscriber_message(
        subscriber,
        subject="Confirm your KURU newsletter subscription",
        template="confirm",
        context={"confirm_url": confirm, "days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400},
    )


def welcome_message(subscriber) -> EmailMultiAlternatives:
    return subscriber_message(
        subscriber, subject="You’re subscribed to the KURU newsletter", template="welcome", context={}
    )


def _email_image(field_file, display_width: int, alt: str) -> dict | None:
    """An image as mail clients show it: an absolute JPEG URL (twice the display width when there is
    a rendition that wide, for sharp screens), with its display width, height and alt text."""
    if not field_file:
        return None
    width, height = image_size(field_file)
    jpegs = available_renditions(field_file)["jpg"]
    wide_enough = [url for url, w in jpegs if w >= 2 * display_width]
    url = wide_enough[0] if wide_enough else (jpegs[-1][0] if jpegs else field_file.url)
    shown = min(display_width, width or display_width)
    return {
        "url": absolute(url),
        "width": shown,
        "height": round(shown * height / width) if width and height else shown,
        "alt": alt,
    }


def issue_link_query(issue, content: str) -> str:
    return urlencode(
        {"utm_source": UTM_SOURCE, "utm_medium": "email", "utm_campaign": issue.slug, "utm_content": content}
    )


def issue_content(issue) -> dict:
    """What every message of `issue` shows, read once per batch (not per recipient): the
    articles still published and the products still active, in the issue's order."""
    articles = [
        {
            "title": article.title,
            "excerpt": article.excerpt,
            # Through our click counter (newsletter:read), which opens the article with the UTM values.
            "url": absolute(reverse("newsletter:read", args=[issue.pk, article.slug])),
            "image": _email_image(article.hero_image and article.hero_image.file, HERO_WIDTH, article.hero_alt_text),
        }
        for article in issue.shown_articles()
    ]
    products = [
        {
            "name": product.display_name,
            "rating": product.rating_average,
            "rating_count": product.rating_count,
            "stars": _stars(product.rating_average),
            "price": product.price,
            # Through the shop's click counter, which adds utm_medium=email and the issue as campaign.
            "url": absolute(reverse("products:go", args=[product.slug]))
            + "?"
            + urlencode({"placement": f"newsletter-{issue.pk}", "campaign": issue.slug}),
            "image": _email_image(
                product.image and product.image.file, PRODUCT_WIDTH, product.image_alt_text or product.display_name
            ),
        }
        for product in issue.shown_products()
    ]
    return {
        "issue": issue,
        "intro_html": email_html(issue.intro_html),
        "intro_text": html_as_text(issue.intro_html),
        "articles": articles,
        "products": products,
        "postal_address": settings.NEWSLETTER_POSTAL_ADDRESS,
    }


_LINK = re.compile(r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</p>|</li>|<br\s*/?>", re.IGNORECASE)


# Inline styles for the editor's tags (core.richtext's allowlist), which mail clients keep.
_EMAIL_STYLES = {
    "p": "margin:0 0 12px;",
    "ul": "margin:0 0 12px;padding-left:24px;",
    "ol": "margin:0 0 12px;padding-left:24px;",
    "li": "margin:0 0 4px;",
    "a": "color:#0b5cab;text-decoration:underline;",
}
_OPENING_TAG = re.compile(r"<(p|ul|ol|li|a)(\s|>)")


def email_html(html: str) -> str:
    """Sanitized editor HTML with the inline styles email needs (its tags carry no style attribute)."""
    return _OPENING_TAG.sub(
        lambda m: f'<{m[1]} style="{_EMAIL_STYLES[m[1]]}"' + (' class="link"' if m[1] == "a" else "") + m[2], html or ""
    )


def html_as_text(html: str) -> str:
    """Sanitized editor HTML as the plain-text part shows it: paragraphs apart, links as “text (URL)”."""
    html = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", html or "")
    return "\n\n".join(text for text in (html_to_text(block) for block in _BLOCK_END.split(html)) if text)


def _stars(average) -> str:
    """The rating as five characters of text, which every mail client shows (no images, no fonts)."""
    full = round(float(average or 0))
    return "★" * full + "☆" * (5 - full)


def issue_headers(delivery=None) -> dict:
    headers = {"List-Id": f"KURU newsletter <{settings.NEWSLETTER_LIST_DOMAIN}>", "Precedence": "bulk"}
    if delivery is not None:
        headers["Message-ID"] = delivery.message_id
        if settings.NEWSLETTER_ESP == "postmark":
            # Postmark reports its own message id, not ours, but echoes X-PM-Metadata-* in its bounce events.
            headers["X-PM-Metadata-delivery"] = str(delivery.pk)
    return headers


def issue_message(content: dict, subscriber, *, delivery=None) -> EmailMultiAlternatives:
    """The issue in `content` (issue_content()) as one subscriber's email: HTML and plain text,
    with that subscriber's own one-click unsubscribe link and headers."""
    issue = content["issue"]
    return subscriber_message(
        subscriber, subject=issue.subject, template="issue", context=content, headers=issue_headers(delivery)
    )


def issue_html(content: dict, subscriber) -> str:
    """The HTML part exactly as issue_message() builds it for `subscriber` (the admin's preview)."""
    return issue_message(content, subscriber).alternatives[0][0]
