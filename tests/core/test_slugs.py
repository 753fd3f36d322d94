import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Author, Section, Topic
from core.slugs import make_slug, slug_problem, unique_slug
from products.models import Product
from tests.factories import make_article, make_author, make_product

# Names with nothing, or nothing ASCII, that slugify() keeps.
HOSTILE_NAMES = ["Боль в колене", "!!!", "足の痛み", "  ", "---", "😀", "Ärger über Füße", "ﷺ", "x" * 300]


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Боль в колене", "bol-v-kolene"),
        ("Ärger über Füße", "arger-uber-fusse"),
        ("!!!", ""),
        ("Knee pain", "knee-pain"),
    ],
)
def test_make_slug_transliterates(text, slug):
    assert make_slug(text, 80) == slug


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_unique_slug_is_always_one_a_url_can_hold(text):
    slug = unique_slug(text, {"topic", "topic-2"}, 80, "topic")
    assert slug_problem(slug) is None and len(slug) <= 80
    assert slug not in {"topic", "topic-2"}


@pytest.mark.parametrize("value", ["", "bol v kolene", "боль", "a/b", "a\x00b", None, 3])
def test_slug_problem_refuses_what_urls_cannot_reverse(value):
    assert slug_problem(value)


def test_a_topic_without_a_slug_gets_a_transliterated_or_numbered_one(db):
    assert Topic.objects.create(name="Боль в колене").slug == "bol-v-kolene"
    assert Topic.objects.create(name="!!!").slug == "topic"
    assert Topic.objects.create(name="???").slug == "topic-2"
    assert Topic.objects.create(name="Боль в колене!").slug == "bol-v-kolene-2"


@pytest.mark.parametrize(
    "make", [lambda: Topic(name="x", slug="!!!"), lambda: Author(name="x", slug="боль"), lambda: Product(slug="a b")]
)
def test_a_row_with_a_slug_no_url_can_hold_is_not_saved(db, make):
    row = make()
    with pytest.raises(ValidationError, match="slug"):
        row.save()
    with pytest.raises(ValidationError, match="slug"):
        row.full_clean()


def test_an_article_with_an_empty_slug_is_not_saved(db):
    with pytest.raises(ValidationError, match="slug"):
        make_article(slug="")
    assert not Article.objects.exists()


def test_section_anchors_are_transliterated(db):
    article = make_article()
    first = Section.objects.create(article=article, heading="Боль в колене", sort_order=1)
    second = Section.objects.create(article=article, heading="!!!", sort_order=2)
    assert (first.anchor, second.anchor) == ("bol-v-kolene", "section")


def _article_file(tmp_path, topics):
    author, product = make_author(slug="jane"), make_product(slug="quantum")
    path = tmp_path / "a.md"
    names = ", ".join(f'"{t}"' for t in topics)
    path.write_text(
        f'+++\ntitle = "Knees"\nslug = "knees"\nauthor = "{author.slug}"\nstatus = "published"\n'
        f"published_at = 2024-05-01T08:00:00Z\ntopics = [{names}]\n+++\n\n## Why\n\nBody.\n\n::product {product.slug}\n",
        encoding="utf-8",
    )
    return path


def test_imported_topics_in_any_script_keep_every_page_up(db, client, tmp_path):
    path = _article_file(tmp_path, ["Боль в колене", "!!!", "足の痛み"])
    call_command("import_article", path, stdout=open("/dev/null", "w"))
    call_command("import_article", path, stdout=open("/dev/null", "w"))  # the same topics again, not new ones
    assert sorted(Topic.objects.values_list("slug", flat=True)) == ["bol-v-kolene", "topic", "zunotongmi"]
    for url in ["/blog/", "/blog/knees/", "/sitemap.xml", *(t.get_absolute_url() for t in Topic.objects.all())]:
        assert client.get(url).status_code == 200, url


def test_an_imported_topic_matches_an_existing_one_by_name_or_slug(db, tmp_path):
    knee = Topic.objects.create(name="Knee pain", slug="knee-pain")
    call_command("import_article", _article_file(tmp_path, ["KNEE PAIN"]), stdout=open("/dev/null", "w"))
    assert list(Article.objects.get().topics.all()) == [knee]


def test_authors_file_with_a_slug_no_url_can_hold_is_refused(db, tmp_path):
    path = tmp_path / "authors.toml"
    path.write_text('[[authors]]\nslug = "Боль"\nname = "Ann"\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"authors\.toml:2: slug: The slug .* may hold only"):
        call_command("import_authors", path)
    assert not Author.objects.exists()


def test_the_migration_repairs_slugs_no_url_can_hold(db, client):
    migration = importlib.import_module("articles.migrations.0011_repair_slugs")
    article = make_article(slug="fine")
    Topic.objects.create(name="Kept", slug="topic")
    broken = [Topic.objects.create(name=name, slug=f"t{i}") for i, name in enumerate(["Боль в колене", "!!!"])]
    article.topics.set(broken)
    # As the old importers stored them: slugify() gave "", the authors file anything at all.
    Topic.objects.filter(pk=broken[0].pk).update(slug="")
    Topic.objects.filter(pk=broken[1].pk).update(slug="!!!")
    author = article.author
    Author.objects.filter(pk=author.pk).update(slug="", name="Анна")
    migration.repair_slugs(apps, None)
    assert sorted(Topic.objects.values_list("slug", flat=True)) == ["bol-v-kolene", "topic", "topic-2"]
    assert Author.objects.get(pk=author.pk).slug == "anna"
    assert Article.objects.get().slug == "fine"
    assert client.get(reverse("articles:index")).status_code == 200
    migration.repair_slugs(apps, None)  # running it again changes nothing
    assert sorted(Topic.objects.values_list("slug", flat=True)) == ["bol-v-kolene", "topic", "topic-2"]


@pytest.mark.django_db(transaction=True)
def test_the_slug_migration_reverses_and_applies_again():
    Topic.objects.create(name="Боль в колене", slug="bol-v-kolene")
    call_command("migrate", "articles", "0010", verbosity=0)
    assert Topic.objects.get().slug == "bol-v-kolene"  # reversing keeps repaired slugs
    call_command("migrate", "articles", verbosity=0)
    assert Topic.objects.get().slug == "bol-v-kolene"
