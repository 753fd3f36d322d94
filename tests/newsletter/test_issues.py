"""Composing an issue: what its email holds, the admin's preview, test send and send page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from newsletter.emails import issue_content, issue_message
from newsletter.models import Issue, IssueArticle, IssueProduct, Subscriber
from tests.factories import image_file, make_article, make_issue, make_product, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    article = make_article(
        title="Can foot pain cause knee pain?",
        slug="knee-pain",
        excerpt="How your feet and knees work together.",
        hero_image=image_file("hero.jpg", width=1600, height=900),
        hero_alt="A runner stretching her calf",
    )
    product = make_product(
        name="ATOM Sneaker",
        slug="atom",
        colorway="Black",
        price="129.95",
        rating_average="4.60",
        rating_count=2345,
        image=image_file("atom.jpg", width=800, height=600),
        image_alt="The ATOM sneaker from the side",
    )
    return make_issue(subject="December foot notes", slug="december", articles=[article], products=[product])


def _links(html):
    return re.findall(r'href="([^"]+)"', html)


def test_intro_is_sanitized_on_save():
    issue = make_issue(intro_html='<p onclick="x()">Hi<script>alert(1)</script> <b>you</b></p><style>p{}</style>')
    assert Issue.objects.get(pk=issue.pk).intro_html == "<p>Hi <strong>you</strong></p>"


def test_message_has_both_parts_personal_unsubscribe_and_list_headers(issue, settings):
    reader = make_subscriber("reader@example.com")
    message = issue_message(issue_content(issue), reader)
    assert message.to == ["reader@example.com"] and message.subject == "December foot notes"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/newsletter/unsubscribe/[^/]+/>", unsubscribe)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Id"] == "KURU newsletter <newsletter.127.0.0.1>"
    html = message.alternatives[0][0]
    text = message.body
    for part in (html, text):
        assert "Can foot pain cause knee pain?" in part
        assert "How your feet and knees work together." in part
        assert "ATOM Sneaker in Black" in part and "$129.95" in part and "2,345 ratings" in part
        assert unsubscribe[1:-1] in part
        assert settings.NEWSLETTER_POSTAL_ADDRESS in part
    assert "Hello <strong>reader</strong>." in html and "<p style=" in html and "Hello reader." in text
    # Another subscriber gets another unsubscribe link.
    other = issue_message(issue_content(issue), make_subscriber("other@example.com"))
    assert other.extra_headers["List-Unsubscribe"] != unsubscribe


def test_links_carry_the_issue_as_campaign_and_products_go_through_click_tracking(issue):
    html = issue_message(issue_content(issue), make_subscriber()).alternatives[0][0]
    article_link = next(link for link in _links(html) if "/knee-pain/" in link)
    # Through our own click counter, which opens the article with the issue as campaign.
    assert article_link == f"http://127.0.0.1:8000/newsletter/read/{issue.pk}/knee-pain/"
    location = Client().get(urlsplit(article_link).path)["Location"]
    assert urlsplit(location).path == "/blog/knee-pain/"
    query = parse_qs(urlsplit(location).query)
    assert query == {
        "utm_source": ["kuru-newsletter"],
        "utm_medium": ["email"],
        "utm_campaign": ["december"],
        "utm_content": ["knee-pain"],
    }
    product_link = next(link for link in _links(html) if "/go/atom/" in link).replace("&amp;", "&")
    assert product_link == f"http://127.0.0.1:8000/go/atom/?placement=newsletter-{issue.pk}&campaign=december"


def test_the_click_counter_credits_the_issue_and_says_email(client, issue):
    from products.models import Click

    response = client.get(f"/go/atom/?placement=newsletter-{issue.pk}&campaign=december")
    shop = parse_qs(urlsplit(response["Location"]).query)
    assert shop["utm_medium"] == ["email"] and shop["utm_campaign"] == ["december"]
    assert shop["utm_content"] == [f"newsletter-{issue.pk}"]
    assert Click.objects.get().placement == f"newsletter-{issue.pk}"
    # A crafted campaign is not passed on.
    response = client.get(f"/go/atom/?placement=newsletter-{issue.pk}&campaign=<x>")
    assert parse_qs(urlsplit(response["Location"]).query)["utm_campaign"] == ["none"]


def test_html_is_what_mail_clients_show(issue):
    html = issue_message(issue_content(issue), make_subscriber()).alternatives[0][0]
    assert "<table" in html and 'role="presentation"' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "<link" not in html and "<script" not in html and 'class="button"' not in html
    images = re.findall(r"<img [^>]+>", html)
    assert len(images) == 2
    for img in images:
        assert re.search(r'src="http://127\.0\.0\.1:8000/media/[^"]+\.jpg"', img), img
        assert re.search(r'width="\d+"', img) and re.search(r'height="\d+"', img) and 'alt="' in img
        assert 'style="' in img
    assert 'width="552" height="310" alt="A runner stretching her calf"' in images[0]
    assert 'width="120" height="90" alt="The ATOM sneaker from the side"' in images[1]
    # Every element that shows text carries its own colour (no stylesheet needed).
    for tag in re.findall(r"<(?:h1|h2|p|td)\b[^>]*>", html):
        assert "style=" in tag or "class=" in tag


def test_drafts_and_inactive_products_are_left_out():
    draft = make_article(title="Not yet", status="draft", published_at=None)
    gone = make_product(name="Retired", is_active=False)
    issue = make_issue(articles=[draft], products=[gone])
    text = issue_message(issue_content(issue), make_subscriber()).body
    assert "Not yet" not in text and "Retired" not in text


def test_admin_composes_an_issue_in_order(staff_client):
    first, second = make_article(title="First"), make_article(title="Second")
    product = make_product()
    data = {
        "subject": "Winter",
        "slug": "winter",
        "preheader": "Warm feet",
        "intro_html": "<p>Hi<script>x</script></p>",
        "article_items-TOTAL_FORMS": "2",
        "article_items-INITIAL_FORMS": "0",
        "article_items-0-article": second.pk,
        "article_items-0-sort_order": "1",
        "article_items-1-article": first.pk,
        "article_items-1-sort_order": "2",
        "product_items-TOTAL_FORMS": "1",
        "product_items-INITIAL_FORMS": "0",
        "product_items-0-product": product.pk,
        "product_items-0-sort_order": "1",
    }
    response = staff_client.post("/admin/newsletter/issue/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    issue = Issue.objects.get()
    assert issue.intro_html == "<p>Hi</p>" and issue.status == "draft"
    assert [item.article.title for item in issue.article_items.all()] == ["Second", "First"]
    text = issue_message(issue_content(issue), make_subscriber()).body
    assert text.index("Second") < text.index("First")


def test_admin_refuses_a_draft_article(staff_client):
    draft = make_article(status="draft", published_at=None)
    data = {
        "subject": "Winter",
        "slug": "winter",
        "article_items-TOTAL_FORMS": "1",
        "article_items-INITIAL_FORMS": "0",
        "article_items-0-article": draft.pk,
        "article_items-0-sort_order": "1",
        "product_items-TOTAL_FORMS": "0",
        "product_items-INITIAL_FORMS": "0",
    }
    response = staff_client.post("/admin/newsletter/issue/add/", data)
    assert response.status_code == 200 and not Issue.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_preview_is_the_email_itself_with_a_policy_that_shows_it(staff_client, issue):
    response = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html == issue_message(issue_content(issue), Subscriber(email="editor@example.com")).alternatives[0][0]
    policy = response["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "sha256-" not in policy and "script-src 'none'" in policy
    text = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/preview/?part=text")
    assert text["Content-Type"].startswith("text/plain") and "Read the article: http" in text.content.decode()


def test_preview_and_send_need_permissions(client, django_user_model, issue):
    user = django_user_model.objects.create_user("clerk", "clerk@example.com", "pw", is_staff=True)
    client.force_login(user)
    assert client.get(f"/admin/newsletter/issue/{issue.pk}/preview/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_issue"))
    assert client.get(f"/admin/newsletter/issue/{issue.pk}/preview/").status_code == 200
    assert client.get(f"/admin/newsletter/issue/{issue.pk}/send/").status_code == 403
    assert client.post(f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "now"}).status_code == 403
    assert Issue.objects.get().status == "draft"


def test_send_a_test_to_me(staff_client, issue):
    from tests.admin_forms import form_data

    page = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/change/")
    assert "The test goes to editor@example.com." in page.content.decode()
    data = form_data(page)
    response = staff_client.post(f"/admin/newsletter/issue/{issue.pk}/change/", {**data, "_send_test": "1"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["editor@example.com"] and message.subject == "[Test] December foot notes"
    assert "Can foot pain cause knee pain?" in message.body
    assert Issue.objects.get().status == "draft" and not issue.deliveries.exists()


def test_send_now_mails_confirmed_subscribers_only(staff_client, issue, settings, django_capture_on_commit_callbacks):
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    confirmed = [make_subscriber(f"c{i}@example.com") for i in range(3)]
    make_subscriber("pending@example.com", status="pending")
    make_subscriber("left@example.com", status="unsubscribed")
    page = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/send/")
    assert "3 today" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "now"})
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in confirmed)
    issue.refresh_from_db()
    assert issue.status == "sent" and issue.finished_at
    assert list(issue.deliveries.values_list("state", flat=True)) == ["sent"] * 3
    # Sent is sent: a second post sends nothing and says why.
    again = staff_client.post(f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "now"})
    assert again.status_code == 400 and "sent already" in again.content.decode() and len(mail.outbox) == 3


def test_a_sent_issue_cannot_be_edited(staff_client, issue, settings, django_capture_on_commit_callbacks):
    settings.NEWSLETTER_SEND_PER_MINUTE = 0
    make_subscriber()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "now"})
    assert Issue.objects.get().status == "sent"
    page = staff_client.get(f"/admin/newsletter/issue/{issue.pk}/change/")
    assert 'name="subject"' not in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"when": "later"}, "Give the time to send at."),
        ({"when": "later", "send_at": "2001-01-01T10:00"}, "That time has passed"),
        ({"when": "later", "send_at": "soon"}, "Enter a valid date/time."),
        ({"when": "never"}, "Select a valid choice"),
    ],
)
def test_send_form_explains_bad_input(staff_client, issue, data, message):
    response = staff_client.post(f"/admin/newsletter/issue/{issue.pk}/send/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Issue.objects.get().status == "draft"


def test_scheduling_needs_a_backend_that_can_wait(staff_client, issue):
    response = staff_client.post(
        f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "later", "send_at": "2099-01-01T10:00"}
    )
    assert response.status_code == 400 and "database task backend" in response.content.decode()


def test_an_empty_issue_is_refused(staff_client):
    issue = make_issue(intro_html="")
    response = staff_client.post(f"/admin/newsletter/issue/{issue.pk}/send/", {"when": "now"})
    assert response.status_code == 400 and "Add an introduction" in response.content.decode()


def test_issue_items_keep_their_order():
    issue = make_issue()
    b, a = make_article(title="B"), make_article(title="A")
    IssueArticle.objects.create(issue=issue, article=b, sort_order=2)
    IssueArticle.objects.create(issue=issue, article=a, sort_order=1)
    IssueProduct.objects.create(issue=issue, product=make_product(), sort_order=1)
    assert [i["title"] for i in issue_content(issue)["articles"]] == ["A", "B"]
