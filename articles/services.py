"""Writes that span models: importing an article with its children, authors and products."""

from pathlib import Path

import reversion
from django.db import transaction

from core.content import ContentError, check_alt, key_line, load_image, toml_records
from core.images import store_image
from core.richtext import markdown_to_html
from core.slugs import make_slug, slug_problem
from products.models import Product

from .content import ArticleData, parse_article
from .models import FAQ, Article, Author, ProductCard, Section, Takeaway, Topic


def article_import(*, path) -> Article:
    """Create or update (by slug) the article in `path`, atomically. Raises ContentError."""
    data = parse_article(
        path,
        product_slugs=set(Product.objects.values_list("slug", flat=True)),
        author_slugs=set(Author.objects.values_list("slug", flat=True)),
    )
    callout_slugs = {s.callout["article"] for s in data.sections if s.callout and "article" in s.callout}
    known = dict(Article.objects.filter(slug__in=callout_slugs).values_list("slug", "pk"))
    for section in data.sections:
        target = (section.callout or {}).get("article")
        if target and target not in known and target != data.meta["slug"]:
            raise ContentError(path, section.line, f"guide callout points at unknown article '{target}'.")
    # A revision like an admin save, so staff can restore what a file brought in.
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Imported from {Path(path).name}.")
        article = _write_article(data)
        # Again now that its children exist (some are bulk-created, without signals).
        reversion.add_to_revision(article)
        return article


def _topic(name: str) -> Topic:
    """The topic called `name` (in any case), or the one its slug names, or a new one."""
    slug = make_slug(name, 80)
    topic = Topic.objects.filter(name__iexact=name).first() or (slug and Topic.objects.filter(slug=slug).first())
    if not topic:
        topic = Topic(name=name)
        topic.save()  # picks a slug its URL can be built from
    return topic


def _write_article(data: ArticleData) -> Article:
    meta = data.meta
    article = Article.objects.filter(slug=meta["slug"]).first() or Article(slug=meta["slug"])
    article.title = meta["title"]
    article.author = Author.objects.get(slug=meta["author"])
    article.status = meta["status"]
    article.published_at = meta.get("published_at")
    article.excerpt = meta.get("excerpt", "")
    article.seo_title = meta.get("seo_title", "")
    article.meta_description = meta.get("meta_description", "")
    article.intro_html = data.intro_html
    if data.hero:
        article.hero_image = store_image(data.hero.data, "articles/hero")
        article.hero_alt = data.hero.alt
    else:
        article.hero_image, article.hero_alt = "", ""
    article.save()
    article.topics.set([_topic(name.strip()) for name in meta.get("topics", [])])

    # Children are replaced wholesale: the file is the whole truth about them.
    article.takeaways.all().delete()
    article.faqs.all().delete()
    article.product_cards.all().delete()
    article.sections.all().delete()
    Takeaway.objects.bulk_create(
        Takeaway(article=article, text=text, sort_order=i) for i, text in enumerate(data.takeaways, start=1)
    )
    for i, (question, answer_html) in enumerate(data.faqs, start=1):
        FAQ(article=article, question=question, answer_html=answer_html, sort_order=i).save()
    products = Product.objects.in_bulk([slug for s in data.sections for slug, _ in s.products], field_name="slug")
    card_order = 0
    for i, parsed in enumerate(data.sections, start=1):
        section = Section(
            article=article,
            sort_order=i,
            heading=parsed.heading,
            level=parsed.level,
            body_html=parsed.body_html,
            show_faq_after=parsed.show_faq_after,
        )
        if parsed.figure:
            section.figure_image = store_image(parsed.figure.data, "articles/figures")
            section.figure_alt = parsed.figure.alt
            section.figure_caption = parsed.figure.caption
        if parsed.callout:
            section.callout_lead = parsed.callout["lead"]
            section.callout_link_text = parsed.callout["text"]
            section.callout_url = parsed.callout.get("url", "")
            if "article" in parsed.callout:
                section.callout_article = Article.objects.get(slug=parsed.callout["article"])
        section.save()
        for slug, _line in parsed.products:
            card_order += 1
            ProductCard.objects.create(article=article, section=section, product=products[slug], sort_order=card_order)
    article.refresh_derived()
    return article


AUTHOR_KEYS = {"slug", "name", "is_organization", "bio", "avatar", "avatar_alt"}


def authors_import(*, path) -> list[Author]:
    """Create or update authors from a TOML file of [[authors]] tables, atomically."""
    path = Path(path)
    parsed = []
    for line, record, text in toml_records(path, "authors", AUTHOR_KEYS, {"slug", "name"}):
        if problem := slug_problem(record["slug"]):
            raise ContentError(path, key_line(text, "slug", start=line - 1), f"slug: {problem}")
        avatar = None
        if record.get("avatar"):
            alt_line = key_line(text, "avatar", start=line - 1)
            check_alt(path, alt_line, record.get("avatar_alt", ""), f"avatar of {record['slug']}", record["avatar"])
            avatar = load_image(path, record["avatar"], record["avatar_alt"], alt_line, path.parent)
        parsed.append((record, avatar))
    with transaction.atomic():
        authors = []
        for record, avatar in parsed:
            author = Author.objects.filter(slug=record["slug"]).first() or Author(slug=record["slug"])
            author.name = record["name"]
            author.is_organization = bool(record.get("is_organization", False))
            author.bio_html = markdown_to_html(record.get("bio", ""))
            author.avatar = store_image(avatar, "authors") if avatar else ""
            author.avatar_alt = record.get("avatar_alt", "") if avatar else ""
            author.save()
            authors.append(author)
    return authors
