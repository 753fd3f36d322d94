from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ProductCard, Redirect
from products.models import Product, Rating
from tests.admin_forms import form_data, rows, staff_user
from tests.factories import image_file, make_article, make_author, make_image, make_product, make_ready_draft


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


CHANGE = "admin:articles_article_change"


def test_save_as_new_is_refused_so_a_copy_cannot_reach_into_a_live_article(writer, client, db):
    live = make_article(sections=1, meta_description="Live.")
    injected = make_product(name="Injected Shoe")
    url = reverse(CHANGE, args=[live.pk])
    data = form_data(writer.get(url))
    data.update(
        {
            "_saveasnew": "Save as new",
            "title": "Copy",
            "slug": "copy",
            "author": str(live.author_id),
            "meta_description": "m",
            "product_cards-TOTAL_FORMS": "1",
            "product_cards-INITIAL_FORMS": "0",
            "product_cards-0-section": str(live.sections.get().pk),
            "product_cards-0-product": str(injected.pk),
        }
    )
    assert writer.post(url, data).status_code == 403
    assert (
        not Article.objects.filter(slug="copy").exists() and not ProductCard.objects.filter(product=injected).exists()
    )
    writer.logout()
    assert "Injected Shoe" not in client.get(live.get_absolute_url()).content.decode()


def test_a_card_must_sit_after_a_section_of_its_own_article(db):
    other = make_article(sections=1)
    card = ProductCard(section=other.sections.get(), product=make_product())
    with pytest.raises(ValidationError, match="Choose a section of this article"):
        card.clean()


def test_the_h3_check_follows_the_page_order_even_with_order_zero(writer, django_user_model, db):
    draft = make_ready_draft()
    url = reverse(CHANGE, args=[draft.pk])
    data = form_data(writer.get(url))
    found = rows(data, "sections")
    first = next(i for i, row in found.items() if row["heading"] == "Heading 1")
    second = next(i for i, row in found.items() if row["heading"] == "Heading 2")
    data.update(
        {f"sections-{first}-level": "3", f"sections-{first}-sort_order": "0", f"sections-{second}-sort_order": "1"}
    )
    assert writer.post(url, data).status_code == 302  # a draft may be anything
    writer.force_login(staff_user(django_user_model, "edna", "Editors"))
    data = form_data(writer.get(url))
    data.update(status="published", published_at_0="2024-01-01", published_at_1="10:00:00")
    response = writer.post(url, data)
    assert response.status_code == 200 and "is a subheading (h3) before any heading (h2)" in response.content.decode()
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_deactivating_a_product_of_a_scheduled_article_asks_first(editor, db):
    article = make_article(sections=1, cards=1, published_at=timezone.now() + timedelta(days=1))
    product = article.product_cards.get().product
    url = reverse("admin:products_product_change", args=[product.pk])
    data = form_data(editor.get(url))
    data.pop("is_active")
    response = editor.post(url, data)
    assert response.status_code == 200 and "Tick the confirmation box" in response.content.decode()
    assert Product.objects.get(pk=product.pk).is_active


def test_the_product_list_cannot_deactivate_without_the_confirmation(editor, db):
    product = make_article(sections=1, cards=1).product_cards.get().product
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(product.pk), "_save": "Save"}
    editor.post(reverse("admin:products_product_changelist"), data)
    assert Product.objects.get(pk=product.pk).is_active


def test_moving_a_rating_to_another_product_updates_both(editor, db):
    first, second = make_product(), make_product()
    rating = Rating(product=first, stars=5, reviewer_name="Ann", status=Rating.Status.APPROVED)
    rating.save()
    url = reverse("admin:products_rating_change", args=[rating.pk])
    data = form_data(editor.get(url))
    data["product"] = str(second.pk)
    assert editor.post(url, data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.rating_count, second.rating_count) == (0, 1)


def test_renaming_a_scheduled_article_leaves_no_public_trace(client, db):
    article = make_article(sections=1, slug="secret-launch", published_at=timezone.now() + timedelta(days=1))
    article.slug = "kuru-x-launch"
    article.save()
    assert client.get("/blog/secret-launch/").status_code == 404
    assert not Redirect.objects.exists()


def test_clearing_the_hero_does_not_ask_for_its_alt_text(editor, db):
    article = make_ready_draft()
    article.hero_image = make_image(image_file(width=1600, height=900))
    article.hero_alt = "A runner on a trail"
    article.save()
    url = reverse(CHANGE, args=[article.pk])
    data = form_data(editor.get(url))
    data.update(
        {
            "hero_image": "",
            "hero_alt": "",
            "status": "published",
            "published_at_0": "2024-01-01",
            "published_at_1": "10:00:00",
        }
    )
    assert editor.post(url, data).status_code == 302
    article.refresh_from_db()
    assert not article.hero_image and article.is_published()


def test_publish_now_brings_a_scheduled_article_forward(editor, db):
    article = make_ready_draft(status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=5))
    editor.post(
        reverse("admin:articles_article_changelist"), {"action": "publish_now", "_selected_action": [article.pk]}
    )
    article.refresh_from_db()
    assert article.is_published()


def test_clicks_are_credited_to_live_articles_only(client, db):
    from products.models import Click

    product = make_product()
    draft = make_ready_draft(slug="draft-piece")
    live = make_article(slug="live-piece")
    client.get(
        reverse("products:go", args=[product.slug]),
        {"article": draft.slug, "placement": "card-1"},
        HTTP_USER_AGENT="Mozilla/5.0",
    )
    client.get(
        reverse("products:go", args=[product.slug]),
        {"article": live.slug, "placement": "card-1"},
        HTTP_USER_AGENT="Mozilla/5.0",
    )
    assert [click.article_id for click in Click.objects.order_by("id")] == [None, live.pk]


def test_a_role_without_the_inlines_still_cannot_publish_a_broken_article(client, django_user_model, db):
    from django.contrib.auth.models import Permission

    # Publishes, but may not see sections: the section check cannot run in the form.
    user = django_user_model.objects.create_user("pub", "pub@example.com", "pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_article", "view_article", "publish_article"])
    )
    client.force_login(user)
    draft = make_ready_draft()
    draft.sections.filter(heading="Heading 1").update(level=3)
    url = reverse(CHANGE, args=[draft.pk])
    data = form_data(client.get(url))
    assert not any(key.startswith("sections-") for key in data)
    data.update(status="published", published_at_0="2024-01-01", published_at_1="10:00:00")
    response = client.post(url, data, follow=True)
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT
    assert "Saved as a draft, not published: Section 1" in response.content.decode()
