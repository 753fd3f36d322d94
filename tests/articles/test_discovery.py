import json

import pytest

from articles.models import Article, Section, Topic
from tests.factories import make_article, make_author

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"


def test_duplicate_headings_get_distinct_stable_anchors(db):
    article = make_article()
    first = Section.objects.create(article=article, heading="Treatment", sort_order=1)
    other = Section.objects.create(article=article, heading="Causes", sort_order=2)
    second = Section.objects.create(article=article, heading="Treatment", sort_order=3)
    assert (first.anchor, other.anchor, second.anchor) == ("treatment", "causes", "treatment-2")
    other.heading = "Common causes"
    other.body_html = "<p>Edited.</p>"
    other.save()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.anchor, second.anchor) == ("treatment", "treatment-2")  # untouched by the edit
    assert Section.objects.get(pk=other.pk).anchor == "common-causes"


def test_article_has_table_of_contents_linking_every_heading(client, demo):
    html = client.get(SEED_URL).content.decode()
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    for section in demo.sections.all():
        assert f'<a href="#{section.anchor}">' in toc
        assert f'id="{section.anchor}"' in html
    assert toc.count("<ul>") == 1 and '<ul><li><a href="#diagnostic-tests">' in toc


def test_topic_pages_and_blog_filter(client, demo):
    topic = Topic.objects.get(slug="knee-pain")
    other = make_article(title="Unrelated piece")
    page = client.get(topic.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Can Foot Pain Cause Knee Pain?" in html and other.title not in html
    redirect = client.get("/blog/?topic=knee-pain")
    assert redirect.status_code == 301 and redirect["Location"] == "/blog/topics/knee-pain/"
    assert client.get("/blog/?topic=nope").status_code == 404
    assert 'href="/blog/topics/knee-pain/"' in client.get("/blog/").content.decode()
    article_html = client.get(SEED_URL).content.decode()
    assert 'class="topic-tag" href="/blog/topics/foot-health/">Foot health</a>' in article_html


def test_topic_page_hides_drafts(client, db):
    topic = Topic.objects.create(name="Heels", slug="heels")
    draft = make_article(title="Draft on heels", status=Article.Status.DRAFT)
    draft.topics.add(topic)
    assert "Draft on heels" not in client.get("/blog/topics/heels/").content.decode()


def test_author_page_lists_their_published_articles(client, db):
    author = make_author(name="Dr. Foot", slug="dr-foot", bio_html="<p>Podiatrist.</p>")
    mine = make_article(author=author, title="Mine")
    make_article(author=author, title="My draft", status=Article.Status.DRAFT)
    make_article(title="Someone else's")
    html = client.get("/authors/dr-foot/").content.decode()
    assert "<h1>Dr. Foot</h1>" in html and "Podiatrist." in html
    assert mine.title in html and "My draft" not in html and "Someone else" not in html
    assert client.get("/authors/nobody/").status_code == 404


def test_sitemap_lists_every_published_article_and_no_draft(client, demo):
    import xml.etree.ElementTree as ET

    draft = make_article(title="Secret draft", status=Article.Status.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
        for u in ET.fromstring(response.content).findall("s:url", ns)
    }
    assert "http://127.0.0.1:8000/blog/can-foot-pain-cause-knee-pain/" in urls
    assert urls["http://127.0.0.1:8000/blog/can-foot-pain-cause-knee-pain/"] == demo.updated_at.date().isoformat()
    assert f"http://127.0.0.1:8000{draft.get_absolute_url()}" not in urls
    assert "http://127.0.0.1:8000/blog/topics/knee-pain/" in urls and "http://127.0.0.1:8000/shop/women/" in urls


def test_robots_points_at_the_sitemap(client, db, settings):
    text = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text and "Disallow: /admin/" in text


def test_feeds_parse_and_autodiscover(client, demo):
    import feedparser

    make_article(title="Hidden draft", status=Article.Status.DRAFT)
    for url in ("/blog/feed/", "/blog/feed/atom/", "/blog/topics/knee-pain/feed/", "/blog/topics/knee-pain/feed/atom/"):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, (url, feed.bozo_exception)
        titles = [entry.title for entry in feed.entries]
        assert titles == ["Can Foot Pain Cause Knee Pain? Here’s How To Protect Yourself"], url
        assert feed.entries[0].link == "http://127.0.0.1:8000/blog/can-foot-pain-cause-knee-pain/"
    html = client.get("/").content.decode()
    assert 'type="application/rss+xml"' in html and 'href="/blog/feed/"' in html
    topic_html = client.get("/blog/topics/knee-pain/").content.decode()
    assert 'href="/blog/topics/knee-pain/feed/"' in topic_html


def _jsonld(html):
    import json
    import re

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_article_json_ld_graph_agrees_with_the_page(client, demo, settings):
    import re

    html = client.get(SEED_URL).content.decode()
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    assert canonical == settings.SITE_URL + SEED_URL
    data = _jsonld(html)
    graph = {node["@type"]: node for node in data["@graph"]}
    assert data["@context"] == "https://schema.org"
    posting = graph["BlogPosting"]
    assert posting["url"] == posting["mainEntityOfPage"] == canonical
    assert posting["headline"] == demo.title
    assert posting["datePublished"].startswith("2024-02-06T15:00:00")
    assert posting["author"]["name"] == "KURU Footwear"
    assert graph["Organization"]["logo"]["url"].endswith(".svg")
    assert posting["publisher"]["@id"] == graph["Organization"]["@id"]
    assert posting["image"][0].startswith(settings.SITE_URL + "/media/renditions/")
    questions = [q["name"] for q in graph["FAQPage"]["mainEntity"]]
    assert questions == list(demo.faqs.values_list("question", flat=True)) and len(questions) == 8
    assert graph["FAQPage"]["mainEntity"][5]["acceptedAnswer"]["text"].startswith("Podiatrists recommend replacing")
    crumbs = graph["BreadcrumbList"]["itemListElement"]
    assert [c["position"] for c in crumbs] == [1, 2, 3] and crumbs[-1]["item"] == canonical


def test_social_tags_and_a_1200x630_rendition(client, demo, settings):
    from PIL import Image

    html = client.get(SEED_URL).content.decode()
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:url" content="{settings.SITE_URL}{SEED_URL}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    with Image.open(demo.social_image.path) as image:
        assert image.size == (1200, 630)


def test_json_ld_cannot_be_broken_out_of(client, db):
    article = make_article(title="</script><script>alert(1)</script>", sections=1)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    assert _jsonld(html)["@graph"][1]["headline"] == article.title


def test_changing_a_published_slug_keeps_the_old_address_working(client, db):
    from articles.models import Redirect

    article = make_article(slug="old-name")
    article.slug = "new-name"
    article.save()
    response = client.get("/blog/old-name/?utm_source=mail")
    assert response.status_code == 301 and response["Location"] == "/blog/new-name/?utm_source=mail"
    article.slug = "newest-name"
    article.save()
    assert client.get("/blog/old-name/")["Location"] == "/blog/newest-name/"  # no chain
    assert client.get("/blog/new-name/")["Location"] == "/blog/newest-name/"
    article.slug = "old-name"  # back again: no loop
    article.save()
    assert client.get("/blog/old-name/").status_code == 200
    assert client.get("/blog/newest-name/")["Location"] == "/blog/old-name/"
    assert not Redirect.objects.filter(old_path="/blog/old-name/").exists()


def test_draft_slug_changes_add_no_redirect(db):
    from articles.models import Redirect

    draft = make_article(slug="draft-a", status=Article.Status.DRAFT)
    draft.slug = "draft-b"
    draft.save()
    assert not Redirect.objects.exists()


def test_redirects_from_the_admin_and_their_validation(admin_client, client, db):
    from django.core.exceptions import ValidationError

    from articles.models import Redirect

    response = admin_client.post("/admin/articles/redirect/add/", {"old_path": "/old-guide/", "new_path": "/blog/"})
    assert response.status_code == 302
    assert client.get("/old-guide/")["Location"] == "/blog/"
    for bad in ("https://evil.example/", "//evil.example/", "blog/"):
        with pytest.raises(ValidationError):
            Redirect(old_path="/x/", new_path=bad).full_clean()


def test_unknown_pages_get_the_styled_404_with_search_and_reading(client, demo):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn’t find that page" in html and 'role="search"' in html
    assert "Popular articles" in html and demo.get_absolute_url() in html


@pytest.mark.parametrize(
    "url, title",
    [
        ("/", "KURU Footwear Blog"),
        ("/blog/", "Foot health blog | KURU Footwear"),
        ("/blog/topics/knee-pain/", "Knee pain | KURU Footwear Blog"),
        ("/shop/women/", "Women’s shoes | KURU Footwear"),
    ],
)
def test_every_page_has_canonical_and_social_tags(client, demo, settings, url, title):
    html = client.get(url).content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}{url}">' in html
    assert f'<meta property="og:title" content="{title}">' in html
    assert 'og:image" content="' + settings.SITE_URL + "/static/img/social-default" in html
    assert '<meta name="description" content="' in html


def test_server_error_page_is_styled(client, db):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and 'role="search"' in html and "site.css" in html


def test_related_articles_share_topics_first_then_products(client, demo):
    from products.models import Product

    knee = Topic.objects.get(slug="knee-pain")
    foot = Topic.objects.get(slug="foot-health")
    two_topics = make_article(title="Two shared topics", sections=1)
    two_topics.topics.add(knee, foot)
    one_topic = make_article(title="One shared topic", sections=1)
    one_topic.topics.add(knee)
    by_product = make_article(title="Shares a product", sections=1)
    by_product.product_cards.create(
        section=by_product.sections.get(), product=Product.objects.get(slug="moment-womens-recovery-slide")
    )
    make_article(title="Nothing in common")
    make_article(title="Draft sharing topics", status=Article.Status.DRAFT).topics.add(knee, foot)
    html = client.get(SEED_URL).content.decode()
    related = html.split('id="related-heading"')[1].split("</section>")[0]
    titles = ["Two shared topics", "One shared topic", "Shares a product"]
    assert [related.index(t) for t in titles] == sorted(related.index(t) for t in titles)
    assert "Nothing in common" not in related and "Draft sharing topics" not in related


def test_jsonld_escapes_markup_characters_and_round_trips():
    from core.templatetags.seo_tags import jsonld

    data = {"name": "Heels & arches </script><!-- > ok", "n": 1}
    text = jsonld(data)
    assert not set("<>&") & set(text)
    assert json.loads(text) == data


@pytest.mark.parametrize("url", ["/sitemap.xml", "/robots.txt", "/blog/feed/", "/blog/feed/atom/"])
def test_absolute_links_come_from_site_url_not_the_request(client, demo, settings, page_cache, url):
    settings.SITE_URL = "https://blog.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forged = client.get(url, HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="http").content.decode()
    again = client.get(url).content.decode()
    assert "https://blog.example.com/" in forged and "evil.example" not in forged and "http://testserver" not in again
    assert forged == again
