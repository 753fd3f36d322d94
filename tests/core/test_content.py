"""Hostile content files through every importer: each is refused with `file:line: message`, quickly,
having written no row and no file.

Every case is a file a careless operator or a hostile source could hand an
importer: over-long and impossible values (the database's limits, NUL), wrong
encodings, broken CSV, duplicates, shapes that make parsers recurse or take
minutes, and image paths that leave the content's folder.
"""

import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from articles.models import FAQ, Article, Author, ProductCard, Section, Takeaway, Topic
from newsletter.models import Subscriber
from products.models import Product, Rating
from tests.factories import image_bytes, make_author, make_product

MODELS = (Article, Section, Takeaway, FAQ, ProductCard, Topic, Author, Product, Rating, Subscriber)
SECONDS = 5  # each refusal, on a 2-core machine shared with others

ARTICLE = """+++
title = "Heel pain, explained"
slug = "heel-pain"
author = "jane"
status = "published"
published_at = 2024-05-01T08:00:00Z
takeaways = ["Rest helps.", "Shoes matter."]
topics = ["Heels"]

[[faqs]]
question = "Does stretching help?"
answer = "Yes, *gently*."
+++

Intro paragraph.

## Why heels hurt

Body text.

::product quantum
::guide Read our [full guide](https://example.com/guide)
"""
AUTHORS = '[[authors]]\nslug = "ann"\nname = "Ann Walker"\nbio = "Writes about feet."\n'
PRODUCTS = """[[products]]
slug = "atom"
name = "ATOM Men's Athletic Sneaker"
line = "ATOM"
gender = "men"
category = "sneakers"
description = "Marketing copy."
shop_url = "https://shop.example.com/atom"
"""
RATINGS = "product,external_id,stars,reviewer_name,title,text\nquantum,r-1,5,Ann,Love them,Great heel cup.\n"
SUBSCRIBERS = "email,status,source_url,consent_version\nann@example.com,confirmed,/blog/,2026-11\n"

COMMANDS = {
    "article": ("import_article", "heel.md", ARTICLE),
    "authors": ("import_authors", "authors.toml", AUTHORS),
    "products": ("import_products", "products.toml", PRODUCTS),
    "ratings": ("import_ratings", "ratings.csv", RATINGS),
    "subscribers": ("import_subscribers", "subscribers.csv", SUBSCRIBERS),
}
LONG = "x" * 5000


def replace(old, new):
    def edit(text):
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def append(extra):
    return lambda text: text + extra


def body(extra):
    """Markdown added to the article's section body."""
    return replace("Body text.\n", f"Body text.\n\n{extra}\n")


def front(extra):
    """TOML added at the top of the article's front matter."""
    return replace("+++\ntitle", f"+++\n{extra}\ntitle")


def hero(src):
    return front(f'hero_image = "{src}"\nhero_alt = "A runner stretching a calf against a wall."')


def as_bytes(encoding):
    return lambda text: text.replace("a", "ä", 1).encode(encoding)


def csv_field(column, value):
    """The CSV with `column`'s value in the first data row replaced by `value` (quoted)."""

    def edit(text):
        header, row, *rest = text.split("\n")
        names, values = header.split(","), row.split(",")
        values[names.index(column)] = '"' + value.replace('"', '""') + '"'
        return "\n".join([header, ",".join(values), *rest])

    return edit


# Each case: (importer, edit of its good file, expected line, what the message says).
# An edit returns the new text or bytes; one taking (text, folder) also sets up files beside it.
ENCODING_CASES = {
    f"{kind} {name}": (kind, edit, line, message)
    for kind in COMMANDS
    for name, edit, line, message in [
        ("in Latin-1", as_bytes("latin-1"), None, "not UTF-8 text (byte 0x"),
        ("in UTF-16", as_bytes("utf-16"), 1, "UTF-16"),
        ("in UTF-16 without a BOM", as_bytes("utf-16-le"), 1, "NUL bytes"),
        ("binary", lambda text: image_bytes(fmt="PNG"), None, "NUL bytes"),
        ("with a raw NUL", lambda text: text.replace("\n", "\n\0", 2), 2, "NUL bytes"),
        ("with an escape character", lambda text: text.replace("\n", "\n\x1b", 2), 2, "U+001B"),
        ("with old Mac line ends", lambda text: text.replace("\n", "\r"), 1, "U+000D"),
        ("over the size limit", lambda text: text + "#" * 21_000_000, 1, "larger than"),
    ]
}

ARTICLE_CASES = {
    "5,000-character title": (
        replace('"Heel pain, explained"', f'"{LONG}"'),
        2,
        "title: Ensure this value has at most",
    ),
    "over-long takeaway": (replace('"Rest helps."', f'"{LONG}"'), 7, "takeaway 1: text: Ensure"),
    "over-long excerpt (a TextField)": (
        front(f'excerpt = "{"x" * 401}"'),
        2,
        "excerpt: Ensure this value has at most 400",
    ),
    "NUL escape in the title": (replace("Heel pain, explained", "Heel\\u0000pain"), 2, "title: holds the control"),
    "NUL escape in a takeaway": (replace("Rest helps.", "Rest\\u0000"), 7, "takeaway 1: text: holds the control"),
    "NUL escape in a topic": (replace('"Heels"', '"He\\u0000els"'), 8, "topic 'He\\x00els': name: holds"),
    "NUL escape in an FAQ": (replace("Does stretching", "Does\\u0000stretching"), 10, "FAQ 1: question: holds"),
    "NUL escape in an FAQ answer": (replace("Yes, *gently*.", "Yes\\u0000"), 10, "U+0000 has no place"),
    "over-long heading": (replace("## Why heels hurt", f"## {LONG}"), 17, "heading: Ensure this value has at most 200"),
    "over-long figure caption": (
        lambda text, folder: (
            (folder / "f.png").write_bytes(image_bytes(fmt="PNG"))
            and body(f'![A heel bone drawn from the side.](f.png "{"c" * 301}")')(text)
        ),
        21,
        "figure_caption: Ensure this value has at most 300",
    ),
    "over-long callout address": (
        replace("https://example.com/guide", "https://example.com/" + "g" * 300),
        22,
        "callout_url: Ensure this value has at most 200",
    ),
    "over-long topic": (replace('"Heels"', f'"{"t" * 81}"'), 8, "name: Ensure this value has at most 80"),
    "the same topic twice": (replace('"Heels"', '"Heels", "HEELS"'), 8, "are the same"),
    "an impossible publication time": (
        replace("2024-05-01T08:00:00Z", "0001-01-01T00:00:00+01:00"),
        6,
        "outside the years",
    ),
    "100,000 nested [ in front matter": (front("x = " + "[" * 100_000), 2, "nest at most 10 deep"),
    "100,000 nested inline tables": (front("x = " + "{a = " * 100_000), 2, "nest at most 10 deep"),
    "a key of 100,000 parts": (front("a." * 100_000 + "b = 1"), 2, "at most 10 parts"),
    "200,000 takeaways": (replace('["Rest helps.", "Shoes matter."]', "[" + '"x",' * 200_000 + "]"), 1, "larger than"),
    "120,000 takeaways": (replace('["Rest helps.", "Shoes matter."]', "[" + '"x",' * 120_000 + "]"), 7, "at most 30"),
    "31 takeaways": (replace('["Rest helps.", "Shoes matter."]', str(["x"] * 31).replace("'", '"')), 7, "at most 30"),
    "13 pictures of 16 megapixels": (
        append(
            "".join(f"\n## S{i}\n\n![A heel bone drawn from the side.](placeholder:4000x4000)\n" for i in range(13))
        ),
        None,
        "at most 200 megapixels",
    ),
    "201 sections": (append("\n".join(f"## S{i}\n" for i in range(201))), None, "at most 200 sections"),
    "1,000-deep list": (body("\n".join("  " * i + "- item" for i in range(1000))), 1, "larger than"),
    "300-deep list": (body("\n".join("    " * i + "- item" for i in range(300))), 31, "nest (or indent) at most"),
    "1,000 list markers on one line": (body("- " * 1000 + "x"), 21, "nest (or indent) at most"),
    "1,000-deep quote": (body(">" * 1000 + " x"), 21, "nest (or indent) at most"),
    "100,000 [ in the body": (body("[" * 100_000), 21, "too many '['"),
    "10,000 [ in one long paragraph": (body("\n".join(["a [b c d"] * 10_000)), 21, "too many '['"),
    "unclosed HTML tags": (body("a<b " * 10_000), 21, "does not close"),
    "an unclosed CDATA section": (body("<![CDATA[ x > y" + " z" * 50_000), 21, "']]>' does not close"),
    "50,000 nested HTML lists": (body("<ul>" * 50_000), 21, "at most 200 raw HTML tags"),
    "a hero outside the folder": (
        lambda text, folder: _outside(folder) and hero("../../private/secret-photo.png")(text),
        2,
        "is outside",
    ),
    "a hero at /etc/passwd": (hero("/etc/passwd"), 2, "must be relative"),
    "a hero at /proc/self/environ": (hero("/proc/self/environ"), 2, "must be relative"),
    "a hero at /dev/zero": (hero("/dev/zero"), 2, "must be relative"),
    "a hero at ~/photo.png": (hero("~/photo.png"), 2, "must be relative"),
    "a hero path with a NUL": (hero("hero\\u0000.png"), 2, "holds a control character"),
    "a hero path of 6,000 characters": (hero("/".join(["d" * 200] * 30)), 2, "cannot be read"),
    "a hero linked to /dev/zero": (
        lambda text, folder: os.symlink("/dev/zero", folder / "zero.png") or hero("zero.png")(text),
        2,
        "is outside",
    ),
    "a hero linked out of the folder": (
        lambda text, folder: os.symlink(_outside(folder), folder / "s.png") or hero("s.png")(text),
        2,
        "is outside",
    ),
    "a figure that is a pipe": (
        lambda text, folder: os.mkfifo(folder / "p.png") or body("![A heel bone drawn from the side.](p.png)")(text),
        21,
        "is not a regular file",
    ),
    "a figure that is a folder": (
        lambda text, folder: (folder / "d.png").mkdir() or body("![A heel bone drawn from the side.](d.png)")(text),
        21,
        "is not a regular file",
    ),
    "a figure over 10 MB": (
        lambda text, folder: (
            (folder / "big.png").write_bytes(b"\0" * (10 * 1024 * 1024 + 1))
            and body("![A heel bone drawn from the side.](big.png)")(text)
        ),
        21,
        "larger than 10 MB",
    ),
}

AUTHOR_CASES = {
    "5,000-character name": (replace('"Ann Walker"', f'"{LONG}"'), 3, "name: Ensure this value has at most 120"),
    "NUL escape in the name": (replace("Ann Walker", "Ann\\u0000"), 3, "name: holds the control"),
    "NUL escape in the bio": (replace("Writes about feet.", "Writes\\u0000"), 4, "U+0000 has no place"),
    "a name that is a number": (replace('"Ann Walker"', "123"), 3, "name: must be text"),
    "a table for a name": (replace('name = "Ann Walker"', "name.a.b = 1"), None, "name: must be text"),
    "over-long avatar alt text": (
        append(f'avatar = "placeholder:64x64"\navatar_alt = "{"A picture of Ann. " * 20}"\n'),
        6,
        "avatar_alt: Ensure this value has at most 200",
    ),
    "the same slug twice": (lambda text: text + "\n" + text, 6, "appears already on line 1"),
    "is_organization as text": (append('is_organization = "yes"\n'), 5, "must be true or false"),
    "an unknown key": (append("twitter = 'ann'\n"), 5, "unknown key 'twitter'"),
    "a key outside the tables": (lambda text: "title = 'x'\n" + text, 1, "outside the [[authors]] tables"),
    "1,001 authors": (
        lambda text: "".join(f'[[authors]]\nslug = "a{i}"\nname = "A"\n' for i in range(1001)),
        1,
        "at most 1,000",
    ),
    "100,000 nested [": (append("x = " + "[" * 100_000), 5, "nest at most 10 deep"),
    "a bio with a 300-deep list": (
        replace('"Writes about feet."', '"""\n' + "\n".join("    " * i + "- a" for i in range(300)) + '\n"""'),
        None,
        "nest (or indent) at most",
    ),
    "an avatar outside the folder": (
        lambda text, folder: (
            _outside(folder) and append('avatar = "../../private/secret-photo.png"\navatar_alt = "Ann"\n')(text)
        ),
        5,
        "is outside",
    ),
    "an avatar at /dev/zero": (
        append('avatar = "/dev/zero"\navatar_alt = "Ann at her desk."\n'),
        5,
        "must be relative",
    ),
    "an avatar that is a number": (append('avatar = 7\navatar_alt = "Ann at her desk."\n'), 5, "text path"),
}

PRODUCT_CASES = {
    "5,000-character name": (replace('"ATOM Men\'s Athletic Sneaker"', f'"{LONG}"'), 3, "name: Ensure"),
    "NUL escape in the line": (replace('line = "ATOM"', 'line = "AT\\u0000OM"'), 4, "line: holds the control"),
    "an unknown gender": (replace('"men"', '"other"'), 5, "gender: Value 'other' is not a valid choice"),
    "an infinite price": (append("price = inf\n"), 9, "price:"),
    "a price that is no number": (append("price = nan\n"), 9, "price:"),
    "a huge rating count": (append("rating_count = 100000000000000000000\n"), 9, "rating_count: Ensure"),
    "a shop address that is no URL": (replace("https://shop.example.com/atom", "javascript:alert(1)"), 8, "shop_url"),
    "a 600-character shop address": (
        replace("https://shop.example.com/atom", "https://shop.example.com/" + "a" * 600),
        8,
        "shop_url: Ensure this value has at most 500",
    ),
    "the same slug twice": (lambda text: text + "\n" + text, 10, "appears already on line 1"),
    "a slug no URL can hold": (replace('"atom"', '"атом"'), 2, "slug: The slug"),
    "an image at /etc/passwd": (
        append('image = "/etc/passwd"\nimage_alt = "A black sneaker."\n'),
        9,
        "must be relative",
    ),
    "an image outside the folder": (
        lambda text, folder: (
            _outside(folder)
            and append('image = "../../private/secret-photo.png"\nimage_alt = "A black sneaker."\n')(text)
        ),
        9,
        "is outside",
    ),
    "is_active as text": (append('is_active = "no"\n'), 9, "must be true or false"),
    "1,000 products, every one wrong": (
        lambda text: "".join(text.replace('"atom"', f'"a{i}"').replace('"men"', '"?"') for i in range(1000)),
        5,
        "… and 980 more problems",
    ),
}

RATING_CASES = {
    "a 5,000-character reviewer name": (csv_field("reviewer_name", LONG), 2, "reviewer_name: Ensure"),
    "an over-long title": (csv_field("title", "t" * 151), 2, "title: Ensure this value has at most 150"),
    "an over-long text (a TextField)": (csv_field("text", "t" * 5001), 2, "text: Ensure this value has at most 5000"),
    "an over-long external id": (csv_field("external_id", "e" * 101), 2, "external_id: Ensure"),
    "a final row cut inside a quoted field": (append('quantum,r-2,4,Bob,"Half a'), 3, "malformed CSV"),
    "a duplicate column": (replace("title,text", "title,title"), 1, "appears twice"),
    "an unknown column": (replace("title,text", "title,texts"), 1, "unknown column 'texts'"),
    "a row with an extra field": (append("quantum,r-2,4,Bob,,,extra\n"), 3, "7 fields"),
    "the same rating twice": (append("quantum,r-1,4,Bob,,\n"), 3, "appears already on line 2"),
    "no header": (lambda text: "", 1, "the file is empty"),
    "a field over the CSV field limit": (csv_field("text", "t" * 200_000), 2, "field larger than field limit"),
}

SUBSCRIBER_CASES = {
    "a 300-character address": (
        csv_field("email", "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"),
        2,
        "email: Ensure this value has at most 254",
    ),
    "an over-long source address": (csv_field("source_url", "/" + "s" * 300), 2, "source_url: Ensure"),
    "an over-long consent version": (csv_field("consent_version", "v" * 41), 2, "consent_version: Ensure"),
    "a status no one knows": (csv_field("status", "maybe"), 2, "status: Value 'maybe'"),
    "a 5,000-character status with line breaks": (csv_field("status", "m\n" * 2500), 2, "status: Value 'm\\nm"),
    "a final row cut inside a quoted field": (append('bob@example.com,confirmed,"/blog'), 3, "malformed CSV"),
    "a duplicate column": (replace("source_url,consent_version", "source_url,source_url"), 1, "appears twice"),
    "the same address twice": (append("ANN@example.com,pending,,\n"), 3, "appears already on line 2"),
    "an address that is no address": (csv_field("email", "not-an-email"), 2, "is not a valid email address"),
    "a date that cannot be": (
        lambda text: text.replace("consent_version", "consent_version,created_at").replace(
            "2026-11", "2026-11,2024-02-30T10:00:00Z"
        ),
        2,
        "created_at '2024-02-30T10:00:00Z' is not an ISO date-time",
    ),
    "50,000 bad rows": (
        lambda text: text + "".join(f"bad{i}@,confirmed,{'/' * 300},\n" for i in range(50_000)),
        3,
        "… and 49,980 more problems",
    ),
    "every row bad (all are reported)": (
        lambda text: text + "".join(f"bad{i},confirmed,,\n" for i in range(30)),
        3,
        "… and 10 more problems",
    ),
}

# Further values of the same classes, one field of each model at a time.
MORE_CASES = {
    "article: over-long SEO title": ("article", front(f'seo_title = "{LONG}"'), 2, "seo_title: Ensure"),
    "article: NUL in the meta description": ("article", front('meta_description = "a\\u0000"'), 2, "U+0000"),
    "article: over-long hero alt text": (
        "article",
        front('hero_image = "placeholder:64x64"\nhero_alt = "' + "A runner. " * 30 + '"'),
        3,
        "hero_alt: Ensure this value has at most 250",
    ),
    "article: over-long FAQ question": ("article", replace("Does stretching help?", LONG), 10, "question: Ensure"),
    "article: over-long callout lead": ("article", replace("::guide Read our", f"::guide {LONG}"), 22, "callout_lead"),
    "article: over-long callout link": ("article", replace("[full guide]", f"[{LONG}]"), 22, "callout_link_text"),
    "article: over-long slug": ("article", replace('"heel-pain"', f'"{"s" * 300}"'), 3, "slug: Ensure"),
    "article: a callout to no article": (
        "article",
        replace("https://example.com/guide", "article:nope"),
        22,
        "unknown article",
    ),
    "authors: over-long slug": ("authors", replace('"ann"', f'"{"a" * 200}"'), 2, "slug: Ensure"),
    "products: over-long colorway": ("products", append(f'colorway = "{LONG}"\n'), 9, "colorway: Ensure"),
    "products: NUL in the description": ("products", replace("Marketing copy.", "Marketing\\u0000"), 7, "U+0000"),
    "products: over-long image alt text": (
        "products",
        append('image = "placeholder:64x64"\nimage_alt = "' + "A sneaker. " * 30 + '"\n'),
        10,
        "image_alt: Ensure this value has at most 250",
    ),
    "subscribers: an IP address that is none": (
        "subscribers",
        lambda t: t.replace("consent_version", "consent_version,ip_address").replace("2026-11", "2026-11,999.1.1.1"),
        2,
        "ip_address: Enter a valid",
    ),
    "subscribers: an over-long placement": (
        "subscribers",
        lambda t: t.replace("consent_version", "consent_version,placement").replace("2026-11", "2026-11," + "p" * 20),
        2,
        "placement: Value",
    ),
    "ratings: 5,000 digits of stars": ("ratings", csv_field("stars", "5" * 5000), 2, "stars must be a whole number"),
    "ratings: an over-long status": (
        "ratings",
        lambda t: t.replace("title,text", "title,text,status").replace("heel cup.", "heel cup.," + "s" * 5000),
        2,
        "status: Value",
    ),
}

CASES = {
    **ENCODING_CASES,
    **MORE_CASES,
    **{f"article: {name}": ("article", *case) for name, case in ARTICLE_CASES.items()},
    **{f"authors: {name}": ("authors", *case) for name, case in AUTHOR_CASES.items()},
    **{f"products: {name}": ("products", *case) for name, case in PRODUCT_CASES.items()},
    **{f"ratings: {name}": ("ratings", *case) for name, case in RATING_CASES.items()},
    **{f"subscribers: {name}": ("subscribers", *case) for name, case in SUBSCRIBER_CASES.items()},
}


def _outside(folder: Path) -> Path:
    """A picture beside, not inside, the content's folder."""
    private = folder.parent.parent / "private"
    private.mkdir(parents=True, exist_ok=True)
    (private / "secret-photo.png").write_bytes(image_bytes(fmt="PNG"))
    return private / "secret-photo.png"


def rows():
    return sum(model.objects.count() for model in MODELS)


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def folder(db, tmp_path):
    make_author(slug="jane")
    make_product(slug="quantum")
    folder = tmp_path / "content" / "files"
    folder.mkdir(parents=True)
    return folder


def write(folder, kind, edit=None):
    command, name, good = COMMANDS[kind]
    path = folder / name
    content = good
    if edit is not None:
        content = edit(good, folder) if edit.__code__.co_argcount == 2 else edit(good)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return command, path


@pytest.mark.parametrize("kind", COMMANDS)
def test_each_good_file_imports(folder, kind):
    command, path = write(folder, kind)
    before = rows()
    call_command(command, path, stdout=open(os.devnull, "w"))
    assert rows() > before


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_refused_with_file_and_line_writing_nothing(folder, case):
    kind, edit, line, message = CASES[case]
    command, path = write(folder, kind, edit)
    before_rows, before_files = rows(), media_files()
    started = time.monotonic()
    with pytest.raises(CommandError) as excinfo:
        call_command(command, path, stdout=open(os.devnull, "w"))
    elapsed = time.monotonic() - started
    text = str(excinfo.value)
    where = re.escape(f"{path}:{line}: ") if line else re.escape(f"{path}:") + r"\d+: "
    assert re.match(where, text), text[:300]
    assert message in text, text[:300]
    assert "Traceback" not in text and len(text) < 5000
    assert (rows(), media_files()) == (before_rows, before_files)
    assert elapsed < SECONDS, f"{case} took {elapsed:.1f}s"


@pytest.mark.parametrize("kind", COMMANDS)
def test_a_utf8_bom_is_accepted(folder, kind):
    command, path = write(folder, kind, lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"))
    call_command(command, path, stdout=open(os.devnull, "w"))


@pytest.mark.parametrize("kind", COMMANDS)
def test_windows_line_ends_are_accepted(folder, kind):
    command, path = write(folder, kind, lambda text: text.replace("\n", "\r\n").encode("utf-8"))
    call_command(command, path, stdout=open(os.devnull, "w"))


def test_a_line_separator_inside_a_markdown_line_starts_no_section(folder):
    command, path = write(folder, "article", replace("Body text.", "Body text.\u2028## Not a heading"))
    call_command(command, path, stdout=open(os.devnull, "w"))
    section = Article.objects.get().sections.get()
    assert section.heading == "Why heels hurt" and "Not a heading" in section.body_html


def test_an_image_linked_inside_the_folder_is_read(folder):
    (folder / "images").mkdir()
    (folder / "images" / "hero.png").write_bytes(image_bytes(1600, 900, fmt="PNG"))
    os.symlink("images/hero.png", folder / "hero.png")
    edit = front('hero_image = "hero.png"\nhero_alt = "A runner stretching a calf against a wall."')
    command, path = write(folder, "article", edit)
    call_command(command, path, stdout=open(os.devnull, "w"))
    assert Article.objects.get().hero_image.file_width == 1600


def test_every_problem_of_a_file_is_reported_at_once(folder):
    edit = lambda text: replace('"Rest helps."', f'"{LONG}"')(replace("## Why heels hurt", f"## {LONG}")(text))  # noqa: E731
    command, path = write(folder, "article", edit)
    with pytest.raises(CommandError) as excinfo:
        call_command(command, path)
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in str(excinfo.value).splitlines()] == ["7", "17"]


def test_a_failed_write_removes_the_files_it_added(folder, monkeypatch):
    """Files are written inside the transaction (renditions need the original); a rollback removes them."""
    (folder / "f.png").write_bytes(image_bytes(800, 600, fmt="PNG"))
    edit = front('hero_image = "placeholder:1600x900"\nhero_alt = "A runner stretching a calf against a wall."')
    command, path = write(
        folder, "article", lambda text: body("![A heel bone drawn from the side.](f.png)")(edit(text))
    )
    before_rows, before_files = rows(), media_files()

    def fail(self):
        assert len(media_files()) > 10  # originals, renditions, the social crop
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Article, "refresh_derived", fail)
    with pytest.raises(RuntimeError):
        call_command(command, path)
    assert (rows(), media_files()) == (before_rows, before_files)


def test_a_failed_write_keeps_files_that_were_there_before(folder, monkeypatch):
    edit = front('hero_image = "placeholder:1600x900"\nhero_alt = "A runner stretching a calf against a wall."')
    command, path = write(folder, "article", edit)
    call_command(command, path, stdout=open(os.devnull, "w"))
    before = media_files()
    monkeypatch.setattr(Article, "refresh_derived", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        call_command(command, path)
    assert media_files() == before


def test_a_failed_product_write_removes_the_images_it_added(folder, monkeypatch):
    text = PRODUCTS + 'image = "placeholder:64x64"\nimage_alt = "A black sneaker."\n'
    command, path = write(folder, "products", lambda _: text + "\n" + text.replace('"atom"', '"atom-2"'))
    saves = []
    original = Product.save

    def save(self, *args, **kwargs):
        saves.append(self.slug)
        if len(saves) == 2:
            raise RuntimeError("the database went away")
        original(self, *args, **kwargs)

    monkeypatch.setattr(Product, "save", save)
    before = media_files()
    with pytest.raises(RuntimeError):
        call_command(command, path)
    assert media_files() == before and not Product.objects.filter(slug__startswith="atom").exists()


def test_csv_rows_beyond_the_limit_are_refused(folder, monkeypatch):
    monkeypatch.setattr("core.content.MAX_CSV_ROWS", 3)
    command, path = write(folder, "subscribers", append("".join(f"s{i}@example.com,confirmed,,\n" for i in range(3))))
    with pytest.raises(CommandError, match=r"subscribers\.csv:5: a file may hold at most 3 rows"):
        call_command(command, path)


@pytest.mark.parametrize(
    "extra",
    [
        # 100 unmatched "[" at the start of a 19,000-character paragraph: just under the bracket budget.
        "[" * 100 + " word" * 3780,
        # As many raw tags as allowed, each closing as late as allowed.
        "\n".join("a <b " + "c" * 1990 + ">" for _ in range(199)),
        # Lists and quotes as deep as allowed, many times over.
        "\n\n".join("\n".join("    " * i + "- item" for i in range(10)) for _ in range(300)),
    ],
    ids=["brackets", "tags", "nesting"],
)
def test_a_file_at_the_markdown_limits_imports_in_bounded_time(folder, extra):
    command, path = write(folder, "article", body(extra))
    started = time.monotonic()
    call_command(command, path, stdout=open(os.devnull, "w"))
    assert time.monotonic() - started < SECONDS
