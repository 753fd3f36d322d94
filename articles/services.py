"""Writes that span models: importing an article with its children, authors and products.

An import checks the whole file against the models' own field rules before it
writes a row, and writes inside one transaction; image files it adds are
removed again if that transaction fails (core.images.written_files_removed_on_error).
"""

from pathlib import Path

import reversion
from django.db import transaction

from core.content import (
    ContentError,
    Markdown,
    PixelBudget,
    Problems,
    check_alt,
    key_line,
    load_image,
    quoted,
    toml_records,
)
from core.images import written_files_removed_on_error
from core.models import Image
from core.slugs import make_slug
from products.models import Product

from .content import ArticleData, parse_article
from .models import FAQ, Article, Author, ProductCard, Section, Takeaway, Topic

# What an article file sets, field by field: checked with the models' rules before writing.
ARTICLE_FIELDS = ["title", "slug", "status", "published_at", "excerpt", "seo_title", "meta_description", "hero_alt"]
SECTION_FIELDS = {
    "heading": "line",
    "level": "line",
    "body_html": "line",
    "figure_alt": "figure_line",
    "figure_caption": "figure_line",
    "callout_lead": "callout_line",
    "callout_link_text": "callout_line",
    "callout_url": "callout_line",
}


def article_import(*, path) -> Article:
    """Create or update (by slug) the article in `path`, atomically. Raises ContentError."""
    data = parse_article(
        path,
        product_slugs=set(Product.objects.values_list("slug", flat=True)),
        author_slugs=set(Author.objects.values_list("slug", flat=True)),
    )
    article, children = _checked_rows(data)
    # A revision like an admin save, so staff can restore what a file brought in.
    with written_files_removed_on_error(), transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Imported from {Path(path).name}.")
        _write_article(data, article, children)
        # Again now that its children exist (some are bulk-created, without signals).
        reversion.add_to_revision(article)
    return article


def _checked_rows(data: ArticleData):
    """The article and its children as unsaved rows, every field checked. Raises ContentError listing all problems."""
    problems = Problems(data.path)
    meta = data.meta
    article = Article.objects.filter(slug=meta["slug"]).first() or Article(slug=meta["slug"])
    article.title = meta["title"]
    article.status = meta["status"]
    article.published_at = meta.get("published_at")
    article.excerpt = meta.get("excerpt", "")
    article.seo_title = meta.get("seo_title", "")
    article.meta_description = meta.get("meta_description", "")
    article.intro_html = data.intro_html
    article.hero_alt = data.hero.alt if data.hero else ""
    problems.add_model(data.line_of, article, [*ARTICLE_FIELDS, "intro_html"])

    topics, seen = [], {}
    for name in meta.get("topics", []):
        topic = Topic(name=name.strip())
        problems.add_model(lambda _: data.line_of("topics"), topic, ["name"], what=f"topic {quoted(topic.name)}: ")
        key = make_slug(topic.name, 80) or topic.name.lower()
        if key in seen:
            problems.add(data.line_of("topics"), f"topics {quoted(seen[key])} and {quoted(topic.name)} are the same.")
        seen[key] = topic.name
        topics.append(topic)
    takeaways = [Takeaway(text=text, sort_order=i) for i, text in enumerate(data.takeaways, start=1)]
    for takeaway in takeaways:
        what = f"takeaway {takeaway.sort_order}: "
        problems.add_model(lambda _: data.line_of("takeaways"), takeaway, ["text"], what=what)
    faqs = []
    for i, (question, answer_html, line) in enumerate(data.faqs, start=1):
        faq = FAQ(question=question, answer_html=answer_html, sort_order=i)
        problems.add_model(lambda _, line=line: line, faq, ["question", "answer_html"], what=f"FAQ {i}: ")
        faqs.append(faq)

    known = dict(Article.objects.filter(slug__in=_callout_slugs(data)).values_list("slug", "pk"))
    sections = []
    for i, parsed in enumerate(data.sections, start=1):
        callout = parsed.callout or {}
        section = Section(
            sort_order=i,
            heading=parsed.heading,
            level=parsed.level,
            body_html=parsed.body_html,
            show_faq_after=parsed.show_faq_after,
            figure_alt=parsed.figure.alt if parsed.figure else "",
            figure_caption=parsed.figure.caption if parsed.figure else "",
            callout_lead=callout.get("lead", ""),
            callout_link_text=callout.get("text", ""),
            callout_url=callout.get("url", ""),
        )
        target = callout.get("article")
        if target and target not in known and target != meta["slug"]:
            problems.add(parsed.callout_line, f"guide callout points at unknown article {quoted(target)}.")

        def line_of(name, parsed=parsed):
            return getattr(parsed, SECTION_FIELDS[name]) or parsed.line

        problems.add_model(line_of, section, list(SECTION_FIELDS), what=f"section {quoted(parsed.heading, 40)}: ")
        sections.append(section)
    problems.raise_any()
    return article, {"topics": topics, "takeaways": takeaways, "faqs": faqs, "sections": sections}


def _callout_slugs(data: ArticleData) -> set:
    return {s.callout["article"] for s in data.sections if s.callout and "article" in s.callout}


def _topic(name: str) -> Topic:
    """The topic called `name` (in any case), or the one its slug names, or a new one."""
    slug = make_slug(name, 80)
    topic = Topic.objects.filter(name__iexact=name).first() or (slug and Topic.objects.filter(slug=slug).first())
    if not topic:
        topic = Topic(name=name)
        topic.save()  # picks a slug its URL can be built from
    return topic


def _write_article(data: ArticleData, article: Article, children: dict) -> None:
    article.author = Author.objects.get(slug=data.meta["author"])
    if data.hero:
        article.hero_image = Image.objects.from_bytes(data.hero.data, "articles/hero", alt=data.hero.alt)
    else:
        article.hero_image = None
    article.save()
    article.topics.set([_topic(topic.name) for topic in children["topics"]])

    # Children are replaced wholesale: the file is the whole truth about them.
    article.takeaways.all().delete()
    article.faqs.all().delete()
    article.product_cards.all().delete()
    article.sections.all().delete()
    for child in children["takeaways"]:
        child.article = article
    Takeaway.objects.bulk_create(children["takeaways"])
    for faq in children["faqs"]:
        faq.article = article
        faq.save()
    products = Product.objects.in_bulk([slug for s in data.sections for slug, _ in s.products], field_name="slug")
    targets = Article.objects.in_bulk(_callout_slugs(data), field_name="slug")
    card_order = 0
    for parsed, section in zip(data.sections, children["sections"], strict=True):
        section.article = article
        if parsed.figure:
            section.figure_image = Image.objects.from_bytes(
                parsed.figure.data, "articles/figures", alt=parsed.figure.alt
            )
        if parsed.callout and "article" in parsed.callout:
            section.callout_article = targets.get(parsed.callout["article"], article)
        section.save()
        for slug, _line in parsed.products:
            card_order += 1
            ProductCard.objects.create(article=article, section=section, product=products[slug], sort_order=card_order)
    article.refresh_derived()


AUTHOR_KEYS = {"slug", "name", "is_organization", "bio", "avatar", "avatar_alt"}


def authors_import(*, path) -> list[Author]:
    """Create or update authors from a TOML file of [[authors]] tables, atomically. Raises ContentError."""
    path = Path(path)
    problems, markdown, pixels = Problems(path), Markdown(path), PixelBudget()
    parsed, seen = [], {}
    for line, record, lines in toml_records(path, "authors", AUTHOR_KEYS, {"slug", "name"}):

        def line_of(name, line=line, lines=lines):
            key = {"bio_html": "bio"}.get(name, name)
            return key_line(lines, key, start=line - 1)

        slug = record["slug"]
        if not problems.take_slug(seen, slug, line=line, slug_line=line_of("slug"), what="author"):
            continue
        author = Author.objects.filter(slug=slug).first() or Author(slug=slug)
        author.name = record["name"]
        author.is_organization = record.get("is_organization", False)
        author.avatar_alt = ""
        bio = record.get("bio", "")
        try:
            author.bio_html = markdown.render(line_of("bio_html"), bio) if isinstance(bio, str) else bio
            avatar = None
            if record.get("avatar"):
                alt_line = line_of("avatar")
                check_alt(path, alt_line, record.get("avatar_alt", ""), f"avatar of {slug}", record["avatar"])
                avatar = load_image(path, record["avatar"], record["avatar_alt"], alt_line, path.parent, budget=pixels)
                author.avatar_alt = record["avatar_alt"]
        except ContentError as exc:
            problems.add_error(exc)
            continue
        if not isinstance(author.is_organization, bool):
            problems.add(line_of("is_organization"), "is_organization must be true or false.")
        problems.add_model(line_of, author, ["slug", "name", "bio_html", "avatar_alt"])
        parsed.append((author, avatar))
    problems.raise_any()
    with written_files_removed_on_error(), transaction.atomic():
        for author, avatar in parsed:
            author.avatar = Image.objects.from_bytes(avatar, "authors", alt=author.avatar_alt) if avatar else None
            author.save()
    return [author for author, _ in parsed]
