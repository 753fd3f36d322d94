import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from articles.models import FAQ, Article, ProductCard, Section, Takeaway
from tests.factories import image_bytes, make_author, make_product

CONTENT = Path(settings.BASE_DIR) / "content"
SEED = CONTENT / "articles" / "can-foot-pain-cause-knee-pain.md"

GOOD = """+++
title = "Heel pain, explained"
slug = "heel-pain-explained"
author = "{author}"
status = "published"
published_at = 2024-05-01T08:00:00Z
hero_image = "hero.png"
hero_alt = "A runner stretching a calf against a wall."
takeaways = ["Rest helps.", "Shoes matter."]

[[faqs]]
question = "Does stretching help?"
answer = "Yes, *gently*."
+++

Intro paragraph with a [link](https://example.com/).

## Why heels hurt

Body text.

- one
- two

![A diagram of the heel.](figure.png "The heel bone.")

::product {product}
::guide Read our [full guide](article:heel-pain-explained)
::faq

### A subsection

More text.
"""


def counts():
    return tuple(m.objects.count() for m in (Article, Section, Takeaway, FAQ, ProductCard))


@pytest.fixture
def workdir(tmp_path, db):
    author = make_author(slug="jane")
    product = make_product(slug="quantum")
    (tmp_path / "hero.png").write_bytes(image_bytes(1600, 900, fmt="PNG"))
    (tmp_path / "figure.png").write_bytes(image_bytes(800, 600, fmt="PNG"))
    path = tmp_path / "heel.md"
    path.write_text(GOOD.format(author=author.slug, product=product.slug), encoding="utf-8")
    return path


def test_import_good_file(workdir):
    call_command("import_article", workdir, stdout=open("/dev/null", "w"))
    article = Article.objects.get(slug="heel-pain-explained")
    assert article.is_published()
    assert article.hero_image.file_width == 1600 and article.hero_image.file_height == 900
    assert list(article.takeaways.values_list("text", flat=True)) == ["Rest helps.", "Shoes matter."]
    assert article.faqs.get().answer_html == "<p>Yes, <em>gently</em>.</p>"
    first, second = article.sections.all()
    assert (first.heading, first.level, second.heading, second.level) == ("Why heels hurt", 2, "A subsection", 3)
    assert first.body_html == "<p>Body text.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert first.figure_alt == "A diagram of the heel." and first.figure_caption == "The heel bone."
    assert first.callout_article == article and first.callout_link_text == "full guide"
    assert first.show_faq_after and not second.show_faq_after
    assert [c.product.slug for c in first.cards.all()] == ["quantum"]
    assert article.intro_html == '<p>Intro paragraph with a <a href="https://example.com/">link</a>.</p>'


def test_reimport_updates_in_place(workdir):
    call_command("import_article", workdir, stdout=open("/dev/null", "w"))
    before = counts()
    workdir.write_text(workdir.read_text().replace("Heel pain, explained", "Heel pain, re-explained"))
    call_command("import_article", workdir, stdout=open("/dev/null", "w"))
    assert counts() == before
    assert Article.objects.get().title == "Heel pain, re-explained"


BAD_CASES = {
    "malformed front matter": (
        ("published_at = 2024-05-01T08:00:00Z", 'published_at = "2024-05-01'),
        6,
        "malformed TOML",
    ),
    "unknown product": (("::product quantum", "::product no-such-shoe"), 27, "unknown product 'no-such-shoe'"),
    "figure without alt": (("![A diagram of the heel.]", "![]"), 25, "has no alt text"),
    "hero without alt": (
        ('hero_alt = "A runner stretching a calf against a wall."', 'hero_alt = ""'),
        8,
        "hero image has no alt text",
    ),
    "figure alt is a file name": (
        ("![A diagram of the heel.]", "![IMG_2041.jpg]"),
        25,
        "“IMG_2041.jpg” looks like a file name",
    ),
    "figure alt is its own file": (("![A diagram of the heel.]", "![figure]"), 25, "“figure” looks like a file name"),
    "hero alt is a file name": (
        ('hero_alt = "A runner stretching a calf against a wall."', 'hero_alt = "hero.png"'),
        8,
        "Write a short sentence",
    ),
    "missing image file": (
        ('(figure.png "The heel bone.")', '(nowhere.png "The heel bone.")'),
        25,
        "image file nowhere.png not found",
    ),
    "unknown author": (('author = "jane"', 'author = "nobody"'), 4, "unknown author 'nobody'"),
    "h3 before h2": (("## Why heels hurt", "### Why heels hurt"), 18, "h3"),
    "unknown directive": (("::faq", "::poll"), 29, "unknown directive '::poll'"),
}


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_names_file_and_line_and_writes_nothing(workdir, case):
    (old, new), line, message = BAD_CASES[case]
    text = workdir.read_text()
    assert old in text
    workdir.write_text(text.replace(old, new, 1))
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_article", workdir)
    assert str(excinfo.value).startswith(f"{workdir}:{line}: ")
    assert message in str(excinfo.value)
    assert counts() == before == (0, 0, 0, 0, 0)


def test_bad_input_leaves_existing_article_untouched(workdir):
    call_command("import_article", workdir, stdout=open("/dev/null", "w"))
    before = (counts(), Article.objects.get().title)
    workdir.write_text(
        workdir.read_text().replace("Heel pain, explained", "Changed").replace("::product quantum", "::product nope")
    )
    with pytest.raises(CommandError):
        call_command("import_article", workdir)
    assert (counts(), Article.objects.get().title) == before


def test_missing_markdown_file(db, tmp_path):
    with pytest.raises(CommandError, match=r"nowhere\.md: file not found"):
        call_command("import_article", tmp_path / "nowhere.md")


def test_image_that_is_not_an_image_is_refused(workdir):
    (workdir.parent / "figure.png").write_bytes(b"not a picture at all")
    with pytest.raises(CommandError, match=r"heel\.md:25: image file figure\.png: The file is not an image"):
        call_command("import_article", workdir)
    assert counts() == (0, 0, 0, 0, 0)


def test_decompression_bomb_is_refused_with_file_and_line(workdir):
    from tests.articles.test_image_uploads import png_declaring

    (workdir.parent / "figure.png").write_bytes(png_declaring(30000, 30000))
    with pytest.raises(
        CommandError, match=r"heel\.md:25: image file figure\.png: The image declares 900,000,000 pixels"
    ):
        call_command("import_article", workdir)
    assert counts() == (0, 0, 0, 0, 0)


def test_load_demo_is_idempotent(demo):
    before = counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert counts() == before == (1, 10, 4, 8, 3)
    assert demo.reading_minutes == 11
    assert Article.objects.get().word_count == demo.word_count


def _page(client, url):
    """The page as a reader sees it. A re-import is a save, so the machine-readable
    modification time (meta tag, JSON-LD dateModified) legitimately moves on, and
    the signup form carries the time it was rendered."""
    html = client.get(url).content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="rendered_at" value="[^"]+"', "", html)
    html = re.sub(r'<meta property="article:modified_time" content="[^"]+">', "", html)
    return re.sub(r'"dateModified": "[^"]+"', "", html)


def test_export_then_import_gives_identical_page(demo, client, tmp_path):
    before = _page(client, demo.get_absolute_url())
    out = tmp_path / "export" / "article.md"
    call_command("export_article", demo.slug, output=str(out), stdout=open("/dev/null", "w"))
    first_export = out.read_text()
    assert "::product atom-mens-athletic-sneaker-jet-black-white-fire-red" in first_export
    assert "::guide Discover relief with our [comprehensive guide" in first_export
    call_command("import_article", out, stdout=open("/dev/null", "w"))
    assert _page(client, demo.get_absolute_url()) == before
    # And the format is stable: exporting again writes the same file.
    shutil.rmtree(out.parent / "images")
    call_command("export_article", demo.slug, output=str(out), stdout=open("/dev/null", "w"))
    assert out.read_text() == first_export


def test_export_to_stdout_names_stored_images(demo, capsys):
    call_command("export_article", demo.slug)
    text = capsys.readouterr().out
    assert text.startswith("+++\ntitle = ")
    assert f'hero_image = "{demo.hero_image.file.path}"' in text


def test_export_unknown_slug(db):
    with pytest.raises(CommandError, match="No article with slug 'nope'"):
        call_command("export_article", "nope")


def test_products_toml_bad_rating_is_reported_with_line(db, tmp_path):
    path = tmp_path / "products.toml"
    path.write_text(
        (CONTENT / "products.toml").read_text().replace("rating_average = 4.6", "rating_average = 7.5"),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"products\.toml:\d+: rating_average"):
        call_command("import_products", path)
    from products.models import Product

    assert Product.objects.count() == 0
