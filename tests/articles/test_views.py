import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import FAQ, Article, ProductCard, Section, Topic
from tests.factories import make_article

SEED_URL = "/blog/can-foot-pain-cause-knee-pain/"
SEED_HEADINGS = [
    "The Anatomy of the Foot and Its Impact on the Knee",
    "Symptoms of Knee Pain",
    "Common Causes of Knee Pain",
    "Common Foot Conditions That Impact the Knee",
    "The Knee’s Response to Foot Pain",
    "Diagnosis and Treatment",
    "Diagnostic Tests",
    "Treatment Options",
    "Preventive Measures to Protect Your Knees",
    "Alleviate Foot and Knee Pain with KURU",
]
SEED_FAQS = [
    "What can cause knee pain without injury?",
    "Can flat feet cause knee pain?",
    "Can weight play a role in foot and knee pain?",
    "Can wearing high heels cause knee pain?",
    "How do I know if my knee pain is serious?",
    "How often should I replace my shoes to prevent foot and knee pain?",
    "Are there specific exercises to strengthen the feet?",
    "Can physical therapy help in alleviating knee pain caused by foot problems?",
]
SEED_PRODUCTS = [
    ("MOMENT Women&#x27;s Recovery Slide", "(155) Ratings"),
    ("ATOM Men&#x27;s Athletic Sneaker in Jet Black-White-Fire Red", "(1,379) Ratings"),
    ("QUANTUM 2.0 Women&#x27;s Sneaker in Pewter-Night Sky", "(761) Ratings"),
]


def test_seed_article_page_has_every_part_in_order(client, demo):
    response = client.get(SEED_URL)
    assert response.status_code == 200
    assert "articles/article_detail.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Can Foot Pain Cause Knee Pain? Here’s How To Protect Yourself</h1>" in html
    assert 'By: <a href="/authors/kuru-footwear/">KURU Footwear</a>' in html and 'alt="KURU Footwear logo"' in html
    assert "11 min read" in html
    assert "February 6, 2024" in html
    # The seed's order: takeaways, intro, sections with cards, FAQ, last section, CTAs, About Us, signup.
    order = [
        "Key Takeaways",
        "In this article",
        "Everything in our bodies is connected.",
        "<h2>" + SEED_HEADINGS[0],
        'alt="Diagram showcasing the anatomy of the foot and its relationship to knee biomechanics."',
        SEED_PRODUCTS[0][1],
        "<h2>" + SEED_HEADINGS[1],
        "<h2>" + SEED_HEADINGS[2],
        SEED_PRODUCTS[1][1],
        "<h2>" + SEED_HEADINGS[3],
        "<h2>" + SEED_HEADINGS[4],
        "comprehensive guide to plantar fasciitis pain relief</a>",
        "<h2>" + SEED_HEADINGS[5],
        "<h3>" + SEED_HEADINGS[6],
        "<h3>" + SEED_HEADINGS[7],
        SEED_PRODUCTS[2][1],
        "<h2>" + SEED_HEADINGS[8],
        SEED_FAQS[0],
        SEED_FAQS[7],
        "<h2>" + SEED_HEADINGS[9],
        "Shop women's shoes from KURU!",
        "Shop men's shoes from KURU!",
        "About Us",
        "pr@kurufootwear.com",
        "Sign up for our newsletter",
    ]
    body = html[html.index("<main") :]
    positions = [body.find(marker) for marker in order]
    assert -1 not in positions, [m for m, p in zip(order, positions, strict=False) if p == -1]
    assert positions == sorted(positions)


def test_seed_article_shows_every_heading_faq_and_product(client, demo):
    html = client.get(SEED_URL).content.decode()
    for heading in SEED_HEADINGS:
        assert re.search(rf"<h[23]>{re.escape(heading)} <a class=\"heading-link\"", html), heading
    assert "<h3>Diagnostic Tests <a" in html and "<h2>Diagnosis and Treatment <a" in html
    for question in SEED_FAQS:
        assert f"<summary><span>{question}</span></summary>" in html.replace("&#x27;", "'")
    assert html.count("<details") == 8
    for name, count in SEED_PRODUCTS:
        assert name in html
        assert count in html
    assert html.count("Icon depicting KURU Footwear Recommended Product.") == 3
    assert html.count('role="img" aria-label="Rated ') == 3
    assert html.count("<li>") >= 4 + 5 + 6 + 7 + 4 + 5 + 7


def test_seed_article_page_shows_each_part_from_its_rows(client, demo):
    """Takeaways, FAQ, product cards, callouts, TOC and topics: each row reaches the page."""
    import json
    from html import escape

    html = client.get(SEED_URL).content.decode()
    takeaways = html.split('<aside class="takeaways"')[1].split("</aside>")[0]
    assert [f"<li>{escape(t.text)}</li>" for t in demo.takeaways.all()] == re.findall(r"<li>.*?</li>", takeaways)
    faq = html.split('<section class="faq"')[1].split("</section>")[0]
    for item in demo.faqs.all():
        assert f"<summary><span>{escape(item.question)}</span></summary>" in faq
        assert f'<div class="faq__answer rich-text">{item.answer_html}</div>' in faq
    graph = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])["@graph"]
    (faq_page,) = [node for node in graph if node["@type"] == "FAQPage"]
    assert [q["name"] for q in faq_page["mainEntity"]] == [f.question for f in demo.faqs.all()]
    (posting,) = [node for node in graph if node["@type"] == "BlogPosting"]
    assert posting["keywords"] == ["Foot conditions", "Foot health", "Knee pain"]
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    assert re.findall(r'<a href="#([^"]+)">', toc) == [s.anchor for s in demo.sections.all()]
    cards = [c for s in demo.sections.all() for c in s.cards.order_by("sort_order", "id")]
    assert re.findall(r'<h3 class="product-card__name" id="product-([^"]+)-card-(\d+)">', html) == [
        (c.product.slug, str(c.sort_order)) for c in cards
    ]
    callouts = re.findall(r'<p class="guide-callout">(.*?) <a href="([^"]+)">(.*?)</a></p>', html)
    assert callouts == [
        (s.callout_lead, s.callout_url, s.callout_link_text) for s in demo.sections.all() if s.callout_url
    ]
    topics = re.findall(r'<a class="topic-tag" href="([^"]+)">([^<]+)</a>', html)
    assert topics == [(t.get_absolute_url(), t.name) for t in demo.topics.order_by("name")]


def test_drafts_and_future_articles_are_404(client, db):
    draft = make_article(status=Article.Status.DRAFT)
    future = make_article(published_at=timezone.now() + timedelta(minutes=5))
    live = make_article()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(live.get_absolute_url()).status_code == 200
    listing = client.get(reverse("articles:index")).content.decode()
    assert live.title in listing and draft.title not in listing and future.title not in listing


# ArticleQuerySet.for_page(): the article with its author; sections with their callout targets;
# cards with their products; takeaways; FAQs; topics. Nothing else on a warm page asks the database.
PAGE_QUERIES = 6


def _page_queries(client, django_assert_num_queries, article):
    """A warm GET. The first GET also builds the related-articles list and, on an empty cache,
    the content generation record (one query each); both stay cached until content changes."""
    assert client.get(article.get_absolute_url()).status_code == 200
    with django_assert_num_queries(PAGE_QUERIES) as captured:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return captured


def _add_topics_and_callouts(article, count):
    """`count` topics and, on the first `count` sections, callouts to a public article."""
    target = make_article()
    for n in range(count):
        article.topics.add(Topic.objects.create(name=f"Topic {article.pk}-{n}", slug=f"topic-{article.pk}-{n}"))
    for section in article.sections.all()[:count]:
        section.callout_lead, section.callout_link_text, section.callout_article = "Read our", "guide", target
        section.save()


def test_article_page_query_count_is_constant(client, db, django_assert_num_queries):
    small = make_article(sections=3, faqs=3, takeaways=3, cards=3)
    large = make_article(sections=9, faqs=9, takeaways=9, cards=9)
    _add_topics_and_callouts(small, 1)
    _add_topics_and_callouts(large, 3)
    _page_queries(client, django_assert_num_queries, small)
    _page_queries(client, django_assert_num_queries, large)
    html = client.get(large.get_absolute_url()).content.decode()
    assert html.count("product-card__name") == 9 and html.count("<details") == 9
    assert html.count('class="guide-callout"') == 3 and html.count('class="topic-tag"') == 3


def _triple_sections_cards_and_faqs(article):
    """Add two copies of every section (with its cards) and every FAQ, after the originals."""
    sections, faqs = list(article.sections.prefetch_related("cards")), list(article.faqs.all())
    step = max(s.sort_order for s in sections) + 1
    for copy in (1, 2):
        for section in sections:
            made = Section.objects.create(
                article=article,
                heading=f"{section.heading} ({copy + 1})",
                level=section.level,
                body_html=section.body_html,
                sort_order=section.sort_order + copy * step,
                callout_lead=section.callout_lead,
                callout_link_text=section.callout_link_text,
                callout_url=section.callout_url,
            )
            for card in section.cards.all():
                ProductCard.objects.create(
                    article=article, section=made, product=card.product, sort_order=card.sort_order
                )
        for faq in faqs:
            FAQ.objects.create(
                article=article,
                question=f"{faq.question} ({copy + 1})",
                answer_html=faq.answer_html,
                sort_order=faq.sort_order + copy * 100,
            )


def test_seed_article_page_takes_six_queries(client, demo, django_assert_num_queries):
    captured = _page_queries(client, django_assert_num_queries, demo)
    # The search columns hold the whole text twice; no page that shows an article needs them.
    assert not [q["sql"] for q in captured.captured_queries if "search_text" in q["sql"] or "search_vector" in q["sql"]]


def test_seed_article_page_takes_six_queries_at_three_times_its_length(client, demo, django_assert_num_queries):
    _triple_sections_cards_and_faqs(demo)
    _page_queries(client, django_assert_num_queries, demo)
    html = client.get(SEED_URL).content.decode()
    assert html.count("<details") == 3 * len(SEED_FAQS)
    assert html.count("product-card__name") == 3 * len(SEED_PRODUCTS)
    assert html.count('<section class="article-section') == 3 * len(SEED_HEADINGS)


def test_blog_list_leaves_the_search_columns_out(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert demo.title in client.get(reverse("articles:index")).content.decode()
    assert captured.captured_queries and not [q for q in captured.captured_queries if "search_text" in q["sql"]]


def test_inactive_product_card_disappears_without_breaking_page(client, demo):
    from products.models import Product

    product = Product.objects.get(slug="moment-womens-recovery-slide")
    product.is_active = False
    product.save()
    html = client.get(SEED_URL).content.decode()
    assert "(155) Ratings" not in html
    assert "(1,379) Ratings" in html


def test_callout_to_unpublished_article_is_hidden(client, db):
    target = make_article(status=Article.Status.DRAFT)
    article = make_article(sections=1)
    section = article.sections.get()
    section.callout_lead, section.callout_link_text, section.callout_article = "Read our", "guide", target
    section.save()
    assert "guide</a>" not in client.get(article.get_absolute_url()).content.decode()
    target.status = Article.Status.PUBLISHED
    target.published_at = timezone.now() - timedelta(minutes=1)
    target.save()
    assert f'<a href="{target.get_absolute_url()}">guide</a>' in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("url", ["/", "/blog/", "/shop/", "/shop/women/", "/shop/men/", "/newsletter/"])
def test_public_pages_render(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_home_lists_latest_articles_and_recommended_products(client, demo):
    html = client.get("/").content.decode()
    assert "Can Foot Pain Cause Knee Pain?" in html
    assert "(1,379) Ratings" in html and "(761) Ratings" in html


def test_shop_filters_by_gender(client, demo):
    women = client.get("/shop/women/").content.decode()
    men = client.get("/shop/men/").content.decode()
    assert "QUANTUM 2.0" in women and "ATOM" not in women
    assert "ATOM" in men and "MOMENT" not in men
