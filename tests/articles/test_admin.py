import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import make_author, make_product


@pytest.mark.parametrize(
    "name",
    [
        "articles_article_changelist",
        "articles_article_add",
        "articles_author_changelist",
        "products_product_changelist",
        "newsletter_subscriber_changelist",
    ],
)
def test_admin_pages_open(staff_client, demo, name):
    assert staff_client.get(reverse(f"admin:{name}")).status_code == 200


def test_admin_change_page_of_seed_article(staff_client, demo):
    html = staff_client.get(reverse("admin:articles_article_change", args=[demo.pk])).content.decode()
    assert "Symptoms of Knee Pain" in html
    assert "11 min (" in html


def test_product_search(staff_client, demo):
    html = staff_client.get(reverse("admin:products_product_changelist"), {"q": "ATOM"}).content.decode()
    assert "Jet Black-White-Fire Red" in html and "Pewter-Night Sky" not in html


def _inline(prefix, rows, total=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total if total is not None else len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_staff_build_an_article_by_hand(staff_client, db):
    author = make_author()
    make_product(slug="atom")
    data = {
        "title": "Hand-made article",
        "slug": "hand-made-article",
        "author": author.pk,
        "excerpt": "",
        "intro_html": "<p>Hello <script>x()</script>readers.</p>",
        "hero_alt": "",
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00:00",
        "seo_title": "",
        "meta_description": "An article staff built by hand in the admin.",
        **_inline("takeaways", [{"sort_order": "1", "text": "One takeaway."}]),
        **_inline(
            "sections",
            [{"sort_order": "1", "level": "2", "heading": "First", "body_html": "<p>Body.</p>"}],
        ),
        **_inline("product_cards", []),
        **_inline("faqs", [{"sort_order": "1", "question": "Why?", "answer_html": "<p>Because.</p>"}]),
    }
    response = staff_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="hand-made-article")
    assert article.intro_html == "<p>Hello readers.</p>"
    assert article.reading_minutes == 1 and article.word_count > 0
    page = staff_client.get(article.get_absolute_url()).content.decode()
    assert "<h2>First <a" in page and "One takeaway." in page and "Why?" in page


def test_ensure_dev_admin_prints_a_login_once(db, settings):
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("ensure_dev_admin", stdout=out)
    password = out.getvalue().split("admin / ")[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    for username, group in (("editor", "Editors"), ("writer", "Writers")):
        role_password = out.getvalue().split(f"{username} / ")[1].split()[0]
        staff = get_user_model().objects.get(username=username)
        assert staff.is_staff and not staff.is_superuser and staff.check_password(role_password)
        assert list(staff.groups.values_list("name", flat=True)) == [group]
    assert get_user_model().objects.get(username="editor").has_perm("articles.publish_article")
    assert not get_user_model().objects.get(username="writer").has_perm("articles.publish_article")
    again = io.StringIO()
    call_command("ensure_dev_admin", stdout=again)
    assert "exists already" in again.getvalue() and password not in again.getvalue()
    assert "writer /" not in again.getvalue()
