"""make_* helpers: real rows with sensible defaults, overridden by keyword."""

import io
import itertools
from datetime import timedelta

from django.core.files.base import ContentFile, File
from django.utils import timezone
from PIL import Image

from articles.models import FAQ, Article, Author, ProductCard, Section, Takeaway
from core.models import Image as LibraryImage
from products.models import Product, ProductImage, ProductVariant

_counter = itertools.count(1)


def image_bytes(width=64, height=48, fmt="JPEG", color=(200, 120, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


def image_file(name="picture.jpg", **kwargs) -> ContentFile:
    return ContentFile(image_bytes(**kwargs), name=name)


def make_image(file=None, folder="images", **kwargs) -> LibraryImage:
    """A library image of `file` (a small JPEG by default); the same bytes give the same image."""
    file = file or image_file()
    file.seek(0)
    return LibraryImage.objects.from_bytes(file.read(), folder, **kwargs)


def _as_library_image(kwargs, field, folder):
    """Let tests pass a file where a library image is wanted: it becomes one, stored where importers put it."""
    if isinstance(kwargs.get(field), File):
        kwargs[field] = make_image(kwargs[field], folder)


def make_author(**kwargs) -> Author:
    n = next(_counter)
    defaults = {"name": f"Author {n}", "slug": f"author-{n}", "bio_html": "<p>Writes about feet.</p>"}
    defaults.update(kwargs)
    _as_library_image(defaults, "avatar", "authors")
    return Author.objects.create(**defaults)


def make_product(**kwargs) -> Product:
    n = next(_counter)
    defaults = {
        "name": f"TEST Women's Sneaker {n}",
        "slug": f"test-sneaker-{n}",
        "line": "TEST",
        "gender": Product.Gender.WOMEN,
        "category": Product.Category.SNEAKERS,
        "colorway": "Pewter",
        "description": "A supportive sneaker.",
        "rating_average": "4.50",
        "rating_count": 1234,
        "shop_url": f"https://shop.example.com/p/{n}",
        "is_recommended": True,
    }
    defaults.update(kwargs)
    _as_library_image(defaults, "image", "products")
    return Product.objects.create(**defaults)


def make_variant(product, **kwargs) -> ProductVariant:
    n = next(_counter)
    defaults = {
        "offer_id": f"OFFER-{n}",
        "colour": "Pewter",
        "size": "9",
        "width": "Regular",
        "price": "149.95",
        "currency": "USD",
        "availability": "in_stock",
        "link": f"https://shop.example.com/p/{product.pk}?variant={n}",
        "sort_order": n,
    }
    defaults.update(kwargs)
    return ProductVariant.objects.create(product=product, **defaults)


def make_product_image(product, **kwargs) -> ProductImage:
    n = next(_counter)
    defaults = {
        "image": image_file(f"view-{n}.jpg", width=64, height=64),
        "image_alt": f"The sneaker from side {n}.",
        "colour": "Pewter",
        "source_url": f"https://shop.example.com/img/{n}.jpg",
        "sort_order": n,
    }
    defaults.update(kwargs)
    _as_library_image(defaults, "image", "products")
    return ProductImage.objects.create(product=product, **defaults)


def make_article(*, sections=0, faqs=0, takeaways=0, cards=0, **kwargs) -> Article:
    """An article; published an hour ago unless status/published_at say otherwise."""
    n = next(_counter)
    defaults = {
        "title": f"Article {n}",
        "slug": f"article-{n}",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
        "intro_html": "<p>Intro.</p>",
    }
    defaults.update(kwargs)
    _as_library_image(defaults, "hero_image", "articles/hero")
    if "author" not in defaults:
        defaults["author"] = make_author()
    article = Article.objects.create(**defaults)
    for i in range(1, takeaways + 1):
        Takeaway.objects.create(article=article, text=f"Takeaway {i}", sort_order=i)
    made_sections = [
        Section.objects.create(article=article, heading=f"Heading {i}", body_html=f"<p>Body {i}.</p>", sort_order=i)
        for i in range(1, sections + 1)
    ]
    for i in range(1, cards + 1):
        section = made_sections[(i - 1) % len(made_sections)]
        ProductCard.objects.create(article=article, section=section, product=make_product(), sort_order=i)
    for i in range(1, faqs + 1):
        FAQ.objects.create(article=article, question=f"Question {i}?", answer_html=f"<p>Answer {i}.</p>", sort_order=i)
    article.refresh_derived()
    return article


def signup_data(email, **extra) -> dict:
    """A signup form as a person sends it: stamped a while ago (a stamp of its own), honeypot empty."""
    import time

    from newsletter.forms import new_stamp

    data = {
        "email": email,
        "source": "/newsletter/",
        "placement": "page",
        "rendered_at": new_stamp(time.time() - 30),
        "website": "",
    }
    data.update(extra)
    return data


def make_ready_draft(**kwargs) -> Article:
    """A draft that meets every publishing rule (articles/publishing.py)."""
    defaults = {"status": Article.Status.DRAFT, "published_at": None, "meta_description": "What readers learn."}
    return make_article(sections=2, takeaways=1, faqs=1, cards=1, **(defaults | kwargs))


def make_subscriber(email=None, **kwargs):
    """A confirmed subscriber unless status says otherwise."""
    from newsletter.models import Subscriber

    n = next(_counter)
    defaults = {"email": email or f"reader{n}@example.com", "status": Subscriber.Status.CONFIRMED}
    defaults.update(kwargs)
    return Subscriber.objects.create(**defaults)


def make_issue(*, articles=(), products=(), **kwargs):
    """A draft newsletter issue with these articles and products, in this order."""
    from newsletter.models import Issue, IssueArticle, IssueProduct

    n = next(_counter)
    defaults = {
        "subject": f"Foot notes {n}",
        "slug": f"foot-notes-{n}",
        "preheader": "Knees, heels and a sneaker we like.",
        "intro_html": "<p>Hello <strong>reader</strong>.</p>",
    }
    defaults.update(kwargs)
    issue = Issue.objects.create(**defaults)
    for i, article in enumerate(articles):
        IssueArticle.objects.create(issue=issue, article=article, sort_order=i)
    for i, product in enumerate(products):
        IssueProduct.objects.create(issue=issue, product=product, sort_order=i)
    return issue
