"""
Content as files: parse and write the Markdown + TOML format of docs/content-format.md.

Parsing reads and checks everything (front matter, products, images, the
Markdown's limits) before a single row is written, and every problem is
reported as `PATH:LINE: message`.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.content import (
    ContentError,
    Markdown,
    PixelBudget,
    Problems,
    check_alt,
    key_line,
    load_image,
    load_toml,
    quoted,
    read_text,
    split_lines,
)
from core.richtext import html_to_markdown

FENCE = "+++"
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FIGURE = re.compile(r'^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)(?:\s+"(?P<caption>[^"]*)")?\)\s*$')
DIRECTIVE = re.compile(r"^::(?P<name>[a-z-]+)\b\s*(?P<rest>.*)$")
GUIDE = re.compile(r"^(?P<lead>.*?)\s*\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)\s*$")
SLUG = re.compile(r"^[-a-z0-9_]+$")

ARTICLE_KEYS = {
    "title": str,
    "slug": str,
    "author": str,
    "status": str,
    "published_at": (datetime.datetime, datetime.date),
    "excerpt": str,
    "seo_title": str,
    "meta_description": str,
    "hero_image": str,
    "hero_alt": str,
    "takeaways": list,
    "topics": list,
    "faqs": list,
}
REQUIRED_ARTICLE_KEYS = {"title", "slug", "author"}
# How many of each an article may have (docs/content-format.md, Limits): far
# above any real article, low enough that a hostile file is refused at once.
LIMITS = {"takeaways": 30, "topics": 20, "faqs": 50, "sections": 200, "product cards": 100}


@dataclass
class ImageData:
    data: bytes
    alt: str
    caption: str = ""


@dataclass
class SectionData:
    heading: str
    level: int
    line: int
    body_lines: list = field(default_factory=list)
    body_line: int = 0  # the line the body starts on
    body_html: str = ""
    figure: ImageData | None = None
    figure_line: int = 0
    callout: dict | None = None
    callout_line: int = 0
    products: list = field(default_factory=list)  # (slug, line)
    show_faq_after: bool = False


@dataclass
class ArticleData:
    path: Path
    meta: dict
    intro_html: str
    takeaways: list
    faqs: list  # (question, answer_html, line)
    sections: list
    hero: ImageData | None
    lines: dict = field(default_factory=dict)  # front-matter key -> line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 2)


def parse_article(path, product_slugs=None, author_slugs=None) -> ArticleData:
    """Read and check an article file. Raises ContentError; writes nothing."""
    path = Path(path)
    text = read_text(path)
    lines = split_lines(text)
    if not lines or lines[0].strip() != FENCE:
        raise ContentError(path, 1, f"front matter must start with a line '{FENCE}'.")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise ContentError(path, 1, f"front matter is not closed by a second '{FENCE}' line.") from None
    front_text = "\n".join(lines[1:end])
    meta = load_toml(path, front_text, first_line=2)
    problems = Problems(path)
    markdown, pixels = Markdown(path), PixelBudget()

    front_lines = split_lines(front_text)

    def where(key):
        return key_line(front_lines, key, first_line=2)

    for key in sorted(set(meta) - set(ARTICLE_KEYS)):
        raise ContentError(path, where(key), f"unknown front-matter key {quoted(key)}.")
    for key in sorted(REQUIRED_ARTICLE_KEYS - set(meta)):
        raise ContentError(path, 2, f"front matter lacks '{key}'.")
    for key, kind in ARTICLE_KEYS.items():
        if key in meta and not isinstance(meta[key], kind):
            raise ContentError(path, where(key), f"'{key}' has the wrong type ({type(meta[key]).__name__}).")
    for key, limit in LIMITS.items():
        if len(meta.get(key, [])) > limit:
            raise ContentError(path, where(key), f"an article has at most {limit} {key}, not {len(meta[key]):,}.")
    if not SLUG.match(meta["slug"]):
        raise ContentError(path, where("slug"), f"slug {quoted(meta['slug'])} may hold only a-z, 0-9, - and _.")
    if author_slugs is not None and meta["author"] not in author_slugs:
        raise ContentError(path, where("author"), f"unknown author {quoted(meta['author'])}.")
    status = meta.setdefault("status", "draft")
    if status not in ("draft", "published"):
        raise ContentError(path, where("status"), "status must be 'draft' or 'published'.")
    published_at = meta.get("published_at")
    if isinstance(published_at, datetime.datetime) and published_at.tzinfo is None:
        raise ContentError(path, where("published_at"), "published_at needs a time zone, e.g. 2024-03-12T09:00:00Z.")
    if isinstance(published_at, datetime.date) and not isinstance(published_at, datetime.datetime):
        published_at = meta["published_at"] = datetime.datetime.combine(published_at, datetime.time(), datetime.UTC)
    if published_at is not None:
        try:
            published_at.astimezone(datetime.UTC)
        except OverflowError:
            raise ContentError(path, where("published_at"), "published_at is outside the years 1 to 9999.") from None
    if status == "published" and "published_at" not in meta:
        raise ContentError(path, 2, "a published article needs 'published_at'.")

    for topic in meta.get("topics", []):
        if not isinstance(topic, str) or not topic.strip():
            raise ContentError(path, where("topics"), "every topic must be a non-empty name.")
    takeaways = meta.get("takeaways", [])
    for item in takeaways:
        if not isinstance(item, str) or not item.strip():
            raise ContentError(path, where("takeaways"), "every takeaway must be non-empty text.")
    faq_starts = [2 + n for n, line in enumerate(lines[1:end]) if line.strip() == "[[faqs]]"]
    faqs = []
    for number, faq in enumerate(meta.get("faqs", []), start=1):
        line = faq_starts[number - 1] if number <= len(faq_starts) else where("faqs")
        if not isinstance(faq, dict) or set(faq) != {"question", "answer"}:
            raise ContentError(path, line, f"FAQ {number} needs exactly 'question' and 'answer'.")
        if not all(isinstance(v, str) and v.strip() for v in faq.values()):
            raise ContentError(path, line, f"FAQ {number} has an empty question or answer.")
        try:
            faqs.append((faq["question"].strip(), markdown.render(line, faq["answer"], strip=False), line))
        except ContentError as exc:
            problems.add_error(exc)

    hero = None
    if meta.get("hero_image"):
        check_alt(path, where("hero_alt"), meta.get("hero_alt", ""), "the hero image", meta["hero_image"])
        data = load_image(path, meta["hero_image"], meta["hero_alt"], where("hero_image"), path.parent, budget=pixels)
        hero = ImageData(data, meta["hero_alt"])

    intro, sections, cards = [], [], 0
    for number, line in enumerate(lines[end + 1 :], start=end + 2):
        try:
            cards += _body_line(path, number, line, sections, intro, product_slugs, pixels)
        except ContentError as exc:
            problems.add_error(exc)
        if len(sections) > LIMITS["sections"] or cards > LIMITS["product cards"]:
            what = "sections" if len(sections) > LIMITS["sections"] else "product cards"
            raise ContentError(path, number, f"an article has at most {LIMITS[what]} {what}.")
    intro_html = ""
    try:
        intro_html = markdown.render(end + 2, "\n".join(intro))
    except ContentError as exc:
        problems.add_error(exc)
    for section in sections:
        try:
            section.body_html = markdown.render(section.body_line, "\n".join(section.body_lines))
        except ContentError as exc:
            problems.add_error(exc)
    problems.raise_any()

    return ArticleData(
        path=path,
        meta=meta,
        intro_html=intro_html,
        takeaways=[t.strip() for t in takeaways],
        faqs=faqs,
        sections=sections,
        hero=hero,
        lines={key: where(key) for key in meta},
    )


def _body_line(path, number, line, sections, intro, product_slugs, pixels) -> int:
    """Add one line of the body to `sections` (or `intro`); return how many product cards it adds."""
    heading = HEADING.match(line)
    figure = FIGURE.match(line)
    directive = DIRECTIVE.match(line)
    if heading:
        level = len(heading.group(1))
        if level not in (2, 3):
            raise ContentError(
                path, number, "section headings are '## ' (h2) or '### ' (h3); the title is in the front matter."
            )
        if level == 3 and not sections:
            raise ContentError(path, number, "an h3 ('### ') cannot come before the first h2 ('## ').")
        sections.append(SectionData(heading.group(2).strip(), level, number, body_line=number + 1))
    elif figure:
        if not sections:
            raise ContentError(path, number, "a figure must belong to a section: put it after a '## ' heading.")
        section = sections[-1]
        if section.figure:
            raise ContentError(path, number, "a section has at most one figure.")
        alt, src, caption = figure.group("alt"), figure.group("src"), figure.group("caption") or ""
        check_alt(path, number, alt, f"image {src}", src)
        data = load_image(path, src, alt, number, path.parent, budget=pixels)
        section.figure = ImageData(data, alt.strip(), caption.strip())
        section.figure_line = number
    elif directive:
        name, rest = directive.group("name"), directive.group("rest").strip()
        if not sections:
            raise ContentError(path, number, f"'::{name}' must come after a section heading.")
        section = sections[-1]
        if name == "product":
            if not SLUG.match(rest):
                raise ContentError(path, number, "write '::product SLUG' with one product slug.")
            if product_slugs is not None and rest not in product_slugs:
                raise ContentError(path, number, f"unknown product {quoted(rest)}.")
            section.products.append((rest, number))
            return 1
        elif name == "guide":
            guide = GUIDE.match(rest)
            if not guide:
                raise ContentError(path, number, "write '::guide Lead text [link text](URL or article:SLUG)'.")
            if section.callout:
                raise ContentError(path, number, "a section has at most one guide callout.")
            target = guide.group("target")
            callout = {"lead": guide.group("lead").strip(), "text": guide.group("text").strip()}
            if target.startswith("article:"):
                callout["article"] = target.removeprefix("article:")
            elif re.match(r"^(https?://|/)", target):
                callout["url"] = target
            else:
                raise ContentError(
                    path, number, f"guide target {quoted(target)} must be an http(s) URL, a /path or article:SLUG."
                )
            section.callout, section.callout_line = callout, number
        elif name == "faq":
            if any(s.show_faq_after for s in sections):
                raise ContentError(path, number, "'::faq' may appear only once.")
            section.show_faq_after = True
        else:
            raise ContentError(path, number, f"unknown directive '::{name}' (use ::product, ::guide or ::faq).")
    elif line.lstrip().startswith("![") and not sections:
        raise ContentError(path, number, "a figure must belong to a section: put it after a '## ' heading.")
    elif line.lstrip().startswith("!["):
        raise ContentError(path, number, 'a figure is a line of its own: ![alt text](path "optional caption").')
    elif sections:
        sections[-1].body_lines.append(line)
    else:
        intro.append(line)
    return 0


def _toml_string(value: str) -> str:
    if "\n" in value:
        escaped = value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        return f'"""\n{escaped}"""'
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def article_to_markdown(article, image_ref) -> str:
    """The article in the content format; `image_ref(field_file)` names each image in the output."""
    meta = [
        f"title = {_toml_string(article.title)}",
        f"slug = {_toml_string(article.slug)}",
        f"author = {_toml_string(article.author.slug)}",
        f"status = {_toml_string(article.status)}",
    ]
    if article.published_at:
        stamp = article.published_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta.append(f"published_at = {stamp}")
    for key in ("excerpt", "seo_title", "meta_description"):
        if getattr(article, key):
            meta.append(f"{key} = {_toml_string(getattr(article, key))}")
    if article.hero_image:
        meta.append(f"hero_image = {_toml_string(image_ref(article.hero_image.file))}")
        meta.append(f"hero_alt = {_toml_string(article.hero_alt_text)}")
    topics = list(article.topics.order_by("name").values_list("name", flat=True))
    if topics:
        meta.append(f"topics = [{', '.join(_toml_string(t) for t in topics)}]")
    takeaways = list(article.takeaways.values_list("text", flat=True))
    if takeaways:
        meta.append("takeaways = [")
        meta.extend(f"  {_toml_string(t)}," for t in takeaways)
        meta.append("]")
    for faq in article.faqs.all():
        meta.append("")
        meta.append("[[faqs]]")
        meta.append(f"question = {_toml_string(faq.question)}")
        meta.append(f"answer = {_toml_string(html_to_markdown(faq.answer_html) + chr(10))}")

    body = []
    if article.intro_html:
        body.append(html_to_markdown(article.intro_html))
    for section in article.sections.select_related("callout_article").prefetch_related("cards__product"):
        block = [f"{'#' * section.level} {section.heading}"]
        if section.body_html:
            block.append(html_to_markdown(section.body_html))
        if section.figure_image:
            caption = f' "{section.figure_caption}"' if section.figure_caption else ""
            block.append(f"![{section.figure_alt_text}]({image_ref(section.figure_image.file)}{caption})")
        if section.callout_link_text:
            target = f"article:{section.callout_article.slug}" if section.callout_article_id else section.callout_url
            lead = f"{section.callout_lead} " if section.callout_lead else ""
            block.append(f"::guide {lead}[{section.callout_link_text}]({target})")
        for card in section.cards.all():
            block.append(f"::product {card.product.slug}")
        if section.show_faq_after:
            block.append("::faq")
        body.append("\n\n".join(block))
    return "\n".join([FENCE, *meta, FENCE, ""]) + "\n" + "\n\n".join(body) + "\n"
