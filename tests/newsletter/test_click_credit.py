"""A reader follows an article link from a received issue, then a product card to the shop: the issue and the
article are both credited (the email read from a real SMTP server, every hop through the test client)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from newsletter.models import ArticleClick, Issue
from newsletter.reports import issue_report
from products.models import Click
from tests.factories import make_article, make_issue, make_subscriber

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def received(smtp_server, settings):
    """The article link and the issue, from the message the SMTP server received."""
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    article = make_article(title="Knee pain and your feet", slug="knee-pain", sections=1, cards=1)
    issue = make_issue(subject="December", slug="december", articles=[article])
    make_subscriber("reader@example.com")
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SCHEDULED, send_at=timezone.now())
    from newsletter.tasks import send_issue_batch

    assert send_issue_batch.call(issue.pk) == 1
    (message,) = smtp_server.to("reader@example.com")
    html = message.get_body(("html",)).get_content()
    (link,) = {href for href in re.findall(r'href="([^"]+)"', html) if "/newsletter/read/" in href}
    return issue, article, link


def _summary(issue):
    return dict(issue_report(issue)[0].rows)


def test_email_to_article_to_shop_credits_the_issue_and_the_article(client, received):
    issue, article, link = received
    opened = client.get(urlsplit(link).path, HTTP_USER_AGENT=BROWSER)
    assert opened.status_code == 302
    landing = opened["Location"]
    assert urlsplit(landing).path == "/blog/knee-pain/"
    assert parse_qs(urlsplit(landing).query) == {
        "utm_source": ["kuru-newsletter"],
        "utm_medium": ["email"],
        "utm_campaign": ["december"],
        "utm_content": ["knee-pain"],
    }
    page = client.get(landing, HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200
    (shop_link,) = set(re.findall(r'href="(/go/[^"]+)"', page.content.decode()))
    shop = client.get(
        shop_link.replace("&amp;", "&"), HTTP_USER_AGENT=BROWSER, HTTP_REFERER="http://testserver" + landing
    )
    assert shop.status_code == 302 and shop["Location"].startswith("https://")

    (read,) = ArticleClick.objects.all()
    assert (read.issue, read.article, read.is_bot) == (issue, article, False)
    (click,) = Click.objects.all()
    assert (click.article, click.campaign, click.placement) == (article, "december", "card-1")
    issue.refresh_from_db()
    summary, articles, products, days = issue_report(issue)
    rows = dict(summary.rows)
    assert rows["Article clicks from it"] == 1 and rows["Shop clicks from it"] == 1
    assert articles.rows == [["Knee pain and your feet", 1, 1]]
    assert days.rows[0][2] == 1


def test_clicks_not_from_the_email_are_not_the_issues(client, received):
    issue, article, link = received
    # The same card, reached from the article without the email's tags, and from another site.
    client.get(
        "/go/" + article.product_cards.get().product.slug + "/?article=knee-pain&placement=card-1",
        HTTP_USER_AGENT=BROWSER,
        HTTP_REFERER="http://testserver/blog/knee-pain/",
    )
    client.get(
        "/go/" + article.product_cards.get().product.slug + "/?article=knee-pain&placement=card-1",
        HTTP_USER_AGENT=BROWSER,
        HTTP_REFERER="https://elsewhere.example/?utm_medium=email&utm_campaign=december",
    )
    assert list(Click.objects.values_list("campaign", flat=True)) == ["", ""]
    # A link checker following the email's link is kept apart.
    assert (
        client.get(urlsplit(link).path, HTTP_USER_AGENT="Mozilla/5.0 (compatible; LinkPreviewBot)").status_code == 302
    )
    assert ArticleClick.objects.get().is_bot
    rows = _summary(issue)
    assert rows["Article clicks from it"] == 0 and rows["Shop clicks from it"] == 0


def test_read_links_only_open_published_articles(client, received):
    issue, article, link = received
    assert client.get(f"/newsletter/read/{issue.pk}/no-such-article/").status_code == 404
    assert client.get("/newsletter/read/999999/knee-pain/").status_code == 404
    draft = make_article(slug="a-draft", status="draft")
    assert client.get(f"/newsletter/read/{issue.pk}/{draft.slug}/").status_code == 404
    # A test send's link (the issue still a draft) opens the article and counts nothing.
    other = make_issue(articles=[article])
    response = client.get(f"/newsletter/read/{other.pk}/knee-pain/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and not ArticleClick.objects.exists()


def test_email_to_article_to_product_page_to_buy_credits_the_issue_and_the_article(client, received, page_cache):
    """The card's title, not its Shop now: the issue travels to the product page as ?campaign= (campaign.js
    adds it to the card's link; the article page is the one cached page), and from there to the Buy link."""
    issue, article, link = received
    landing = client.get(urlsplit(link).path, HTTP_USER_AGENT=BROWSER)["Location"]
    assert client.get(landing)["X-Page-Cache"] == "miss"
    page = client.get(landing, HTTP_USER_AGENT=BROWSER)
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    assert "js/campaign" in html
    product = article.product_cards.get().product
    (product_link,) = set(re.findall(rf'href="(/shop/{product.slug}/\?[^"]+)"', html))
    product_page = product_link.replace("&amp;", "&") + "&campaign=december"  # what campaign.js writes
    assert client.get(f"/shop/{product.slug}/")["X-Page-Cache"] == "miss"
    assert client.get(product_page)["X-Page-Cache"] == "hit"  # still the product's one cached page
    # With JavaScript, product.js passes article, card and campaign on in the Buy link.
    client.get(
        f"/go/{product.slug}/",
        {"placement": "product-page", "article": "knee-pain", "card": "card-1", "campaign": "december"},
        HTTP_USER_AGENT=BROWSER,
        HTTP_REFERER="http://testserver" + product_page,
    )
    # Without it, the product page's address (the Referer) says the same.
    shop = client.get(
        f"/go/{product.slug}/?placement=product-page",
        HTTP_USER_AGENT=BROWSER,
        HTTP_REFERER="http://testserver" + product_page,
    )
    assert parse_qs(urlsplit(shop["Location"]).query)["utm_campaign"] == ["knee-pain"]
    clicks = Click.objects.order_by("pk").values_list("article", "campaign", "placement")
    assert list(clicks) == [(article.pk, "december", "card-1")] * 2
    assert _summary(issue)["Shop clicks from it"] == 2


def test_a_product_page_reached_from_the_article_without_the_email_credits_no_issue(client, received):
    issue, article, link = received
    product = article.product_cards.get().product
    client.get(
        f"/go/{product.slug}/?placement=product-page",
        HTTP_USER_AGENT=BROWSER,
        HTTP_REFERER=f"http://testserver/shop/{product.slug}/?article=knee-pain&placement=card-1",
    )
    # A campaign that is no slug is not one of ours.
    client.get(
        f"/go/{product.slug}/",
        {"placement": "product-page", "article": "knee-pain", "card": "card-1", "campaign": "<b>x</b>"},
        HTTP_USER_AGENT=BROWSER,
    )
    assert list(Click.objects.values_list("campaign", "placement")) == [("", "card-1")] * 2
