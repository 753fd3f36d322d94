"""The editors' dashboard on the admin index: each block for the roles that may open it, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import drafts, reviews
from articles.dashboard import my_drafts
from articles.models import Article, ArticleDraft
from newsletter.models import Subscriber
from products.models import Rating
from tests.admin_forms import form_data, staff_user
from tests.factories import make_article, make_product, make_ready_draft, make_subscriber

TITLES = {
    "My drafts",
    "Awaiting my review",
    "Changes asked of me",
    "Scheduled next",
    "Recently published",
    "Ratings waiting for moderation",
    "New subscribers this week",
    "Reports",
}


def block_titles(html):
    return {title for title in TITLES if f">{title}</h2>" in html}


def block(html, title):
    return html.split(f">{title}</h2>", 1)[1].split("</section>", 1)[0]


def logged(user, article):
    """As an admin save by `user` leaves the article: "My drafts" reads this column."""
    Article.objects.filter(pk=article.pk).update(last_edited_by=user)


def content(writer, editor, n=1, start=0):
    """Rows for every block, `n` of each kind (numbered from `start`)."""
    for i in range(start, start + n):
        mine = make_ready_draft(title=f"Writer draft {i}")
        logged(writer, mine)
        make_ready_draft(title=f"Someone else's draft {i}")
        sent_back = make_ready_draft(title=f"Sent back {i}")
        logged(writer, sent_back)
        reviews.review_submit(article=sent_back, user=writer)
        reviews.review_request_changes(article=sent_back, user=editor, text="Shorter.")
        queued = make_ready_draft(title=f"Queued {i}")
        reviews.review_submit(article=queued, user=writer)
        make_article(title=f"Coming soon {i}", published_at=timezone.now() + timedelta(days=i + 1))
        live = make_article(title=f"Live with changes {i}", published_at=timezone.now() - timedelta(days=30 + i))
        ArticleDraft.objects.create(
            article=live,
            snapshot=drafts.take_snapshot(live),
            saved_by=writer,
            publish_at=timezone.now() + timedelta(hours=i + 1),
        )
        make_article(title=f"Fresh {i}", published_at=timezone.now() - timedelta(minutes=i + 1))
        Rating.objects.create(product=make_product(), stars=4, title=f"Comfy {i}", reviewer_name="R")
        Rating.objects.create(product=make_product(), stars=1, reviewer_name="R", status=Rating.Status.APPROVED)
        make_subscriber(f"new{i}@example.com", confirmed_at=timezone.now() - timedelta(days=1))
        make_subscriber(f"old{i}@example.com", confirmed_at=timezone.now() - timedelta(days=9))
        make_subscriber(f"pending{i}@example.com", status=Subscriber.Status.PENDING)


@pytest.fixture
def people(django_user_model):
    class People:
        writer = staff_user(django_user_model, "walt", "Writers")
        editor = staff_user(django_user_model, "edna", "Editors")
        admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
        clerk = django_user_model.objects.create_user("clerk", "clerk@example.com", "pw", is_staff=True)

    return People()


def index(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_the_blocks_it_may_open(client, people, db):
    content(people.writer, people.editor)
    writer = index(client, people.writer)
    assert block_titles(writer) == {"My drafts", "Changes asked of me", "Scheduled next", "Recently published"}
    mine = block(writer, "My drafts")
    assert "Writer draft 0" in mine and "Sent back 0" in mine and "Live with changes 0" in mine
    assert "Someone else" not in mine and "Changes requested" in mine
    assert "Sent back 0" in block(writer, "Changes asked of me") and "Queued" not in block(
        writer, "Changes asked of me"
    )

    editor = index(client, people.editor)
    assert block_titles(editor) == {
        "Reports",
        "My drafts",
        "Awaiting my review",
        "Scheduled next",
        "Recently published",
        "Ratings waiting for moderation",
    }
    queue = block(editor, "Awaiting my review")
    assert "Queued 0" in queue and "by walt" in queue and "Sent back" not in queue and "?review=in_review" in queue
    assert "No drafts of yours." in block(editor, "My drafts")
    scheduled = block(editor, "Scheduled next")
    assert scheduled.index("Live with changes 0") < scheduled.index("Coming soon 0")  # in an hour, then tomorrow
    assert "changes go live" in scheduled and "UTC" in scheduled
    recent = block(editor, "Recently published")
    assert "Fresh 0" in recent and "Coming soon" not in recent
    ratings = block(editor, "Ratings waiting for moderation")
    assert "4★ Comfy 0" in ratings and "1 waiting" in ratings
    assert reverse("admin:products_rating_change", args=[Rating.objects.get(title="Comfy 0").pk]) in ratings
    assert f'href="{reverse("admin:products_click_report")}">Articles that sell</a>' in block(editor, "Reports")

    admin = index(client, people.admin)
    assert block_titles(admin) == TITLES - {"Changes asked of me"}
    subscribers = block(admin, "New subscribers this week")
    assert "new0@example.com" in subscribers and "1 confirmed in the last 7 days" in subscribers
    assert "old0@" not in subscribers and "pending0@" not in subscribers

    assert block_titles(index(client, people.clerk)) == set()


def test_every_link_opens_for_the_viewer(client, people, db):
    content(people.writer, people.editor)
    for user in (people.writer, people.editor, people.admin):
        html = index(client, user)
        links = set()
        for title in block_titles(html):
            part = block(html, title)
            links |= {chunk.split('"', 1)[0].replace("&amp;", "&") for chunk in part.split('href="')[1:]}
        assert links
        for link in links:
            assert client.get(link).status_code == 200, (user.username, link)


# The index without blocks costs 5 (session, user, two permission reads, recent actions; a superuser
# skips the permission reads); then my drafts 1, reviews 1, scheduled 2, recent 1, ratings 2, subscribers 2.
@pytest.mark.parametrize("role, queries", [("writer", 10), ("editor", 12), ("admin", 12), ("clerk", 5)])
def test_the_dashboard_costs_a_fixed_number_of_queries(client, people, db, role, queries):
    user = getattr(people, role)
    content(people.writer, people.editor)
    client.force_login(user)
    client.get(reverse("admin:index"))  # content types and sessions warm
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    content(people.writer, people.editor, n=8, start=1)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("admin:index")).content.decode()
    assert len(few) == len(many) == queries, [q["sql"] for q in many]
    if role != "clerk":
        assert html.count("<li><a") >= 10  # capped at five a block, however many rows


def saved_in_admin(client, user, article, **changes):
    """Post the article's change form as `user`'s browser would, with `changes`."""
    client.force_login(user)
    change = reverse("admin:articles_article_change", args=[article.pk])
    response = client.get(change)
    data = form_data(response) | {"_edit_version": response.context["live_preview"]["version"]} | changes
    return client.post(change, data)


def test_my_drafts_are_those_the_viewer_saved_last_not_the_admin_log(client, people, db, rf):
    article, other = make_ready_draft(title="Shared draft"), make_ready_draft(title="Only in the log")
    LogEntry.objects.create(  # what the dashboard read once: an entry alone lists nothing now
        user=people.writer,
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(other.pk),
        object_repr=str(other),
        action_flag=CHANGE,
    )
    assert saved_in_admin(client, people.writer, article, title="Shared draft, by Walt").status_code == 302
    assert Article.objects.get(pk=article.pk).last_edited_by == people.writer
    mine = block(index(client, people.writer), "My drafts")
    assert "Shared draft, by Walt" in mine and "Only in the log" not in mine

    # Edna autosaves it: it is hers now.
    client.force_login(people.editor)
    change = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    data = form_data(change) | {"_edit_version": change.context["live_preview"]["version"], "title": "Edna takes over"}
    autosave = reverse("admin:articles_article_autosave", args=[article.pk])
    assert client.post(autosave, data).json()["saved"] is True
    assert "Edna takes over" in block(index(client, people.editor), "My drafts")
    assert "Edna takes over" not in block(index(client, people.writer), "My drafts")


def test_my_drafts_is_one_query_however_many_articles(people, db, rf, django_assert_num_queries):
    content(people.writer, people.editor, n=8)
    request = rf.get("/admin/")
    request.user = people.writer
    people.writer.has_perm("articles.change_article")  # permissions read once per request, by the index
    with django_assert_num_queries(1):
        found = my_drafts(request)
    assert len(found.items) == 5 and all(
        "Writer draft" in i.label or "Sent back" in i.label or "Live" in i.label for i in found.items
    )
