"""Revision compare: the diff of two snapshots (child rows included, output escaped), the history and compare pages."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version
from reversion.revisions import _get_options

from articles import compare, drafts
from articles.models import FAQ, Article, ArticleDraft, ProductCard, Section, Takeaway
from tests.admin_forms import form_data
from tests.articles.test_drafts import action_url, edit, edit_draft, make_live
from tests.factories import make_article, make_ready_draft

COMPARE = "admin:articles_article_compare"
HISTORY = "admin:articles_article_history"


def groups(diff):
    return {group.title: group for group in diff.groups}


def statuses(group):
    return {row.label: row.status for row in group.rows}


def test_child_rows_changed_moved_added_and_removed(db):
    article = make_article(sections=3, takeaways=3, faqs=2, cards=2)
    before = compare.current_snapshot(article)
    first, second, third = article.sections.order_by("sort_order")
    Section.objects.filter(pk=second.pk).update(heading="Second, renamed")
    Section.objects.filter(pk=first.pk).update(sort_order=9)  # to the end
    t1, t2, t3 = article.takeaways.order_by("sort_order")
    Takeaway.objects.filter(pk=t3.pk).update(sort_order=0)  # to the top
    FAQ.objects.filter(article=article, question="Question 1?").delete()
    FAQ.objects.create(article=article, question="A new question?", answer_html="<p>Yes.</p>", sort_order=5)
    card = article.product_cards.order_by("sort_order").first()
    ProductCard.objects.filter(pk=card.pk).update(section=third)
    diff = compare.compare(before, compare.current_snapshot(article))

    found = groups(diff)
    assert statuses(found["Sections"]) == {
        "“Second, renamed” (was “Heading 2”)": "Changed",
        "“Heading 1”": "Moved from 1 to 3",
    }
    assert found["Sections"].unchanged == 1
    assert statuses(found["Takeaways"]) == {"“Takeaway 3”": "Moved from 3 to 1"}
    assert statuses(found["FAQs"]) == {"“A new question?”": "Added", "“Question 1?”": "Removed"}
    (moved_card,) = found["Product cards"].rows
    assert moved_card.label.endswith("after “Heading 3”") and moved_card.moved
    (section_change,) = moved_card.fields
    assert (section_change.old, section_change.new) == ("Heading 1", "Heading 3")
    assert diff.summary() == [
        "Takeaways: 1 moved",
        "Sections: 1 changed, 1 moved",
        "FAQs: 1 added, 1 removed",
        "Product cards: 1 changed, 1 moved",
    ]
    assert not compare.compare(before, before)


def test_values_are_escaped_and_stored_html_never_rendered(db):
    article = make_article(sections=1, title="Plain")
    before = compare.current_snapshot(article)
    Article.objects.filter(pk=article.pk).update(title='<script>alert("t")</script> & more')
    section = article.sections.get()
    section.body_html = '<p>Body 1. <img src="x" onerror="alert(1)"><a href="javascript:alert(2)">link</a></p>'
    section.save()  # sanitized on save; a snapshot may still hold anything
    after = compare.current_snapshot(article)
    after["children"]["sections"][0]["fields"]["heading"] = "<b onclick='x()'>Bold</b>"
    diff = compare.compare(before, after)

    (title,) = diff.fields
    assert "<script>" not in title.new_html and "&lt;script&gt;" in title.new_html
    assert "&amp; more" in title.inline_html and "<ins>" in title.inline_html
    rendered = "".join(
        piece for row in groups(diff)["Sections"].rows for f in row.fields for piece in (f.new_html, f.inline_html)
    )
    assert "<b " not in rendered and "<ins>&lt;b onclick=&#x27;x()&#x27;&gt;Bold&lt;/b&gt;</ins>" in rendered
    assert "onerror" not in rendered and "javascript:" not in rendered and "<img" not in rendered


def test_a_formatting_change_is_shown_as_escaped_markup(db):
    article = make_article(sections=1)
    before = compare.current_snapshot(article)
    section = article.sections.get()
    section.body_html = "<p>Body <strong>1</strong>.</p>"
    section.save()
    (row,) = groups(compare.compare(before, compare.current_snapshot(article)))["Sections"].rows
    (change,) = row.fields
    assert change.label == "Body (formatting)" and "<ins>&lt;strong&gt;</ins>" in change.inline_html


def test_paragraphs_are_compared_as_lines_of_text():
    assert compare.html_lines("<p>One <em>two</em>.</p><ul><li>Three</li></ul><script>x()</script>") == (
        "One two.\nThree"
    )


def test_admin_revisions_hold_the_inlines(editor, db):
    assert set(_get_options(Article).follow) == {"takeaways", "sections", "product_cards", "faqs"}
    article = make_ready_draft()
    edit(editor, article, **{"sections-0-heading": "Edited in the admin"})
    version = Version.objects.get_for_object(article).get()
    snapshot = compare.revision_snapshots(article.pk, [version])[version.revision_id]
    assert {name: len(rows) for name, rows in snapshot["children"].items()} == {
        "takeaways": 1,
        "sections": 2,
        "faqs": 1,
        "product_cards": 1,
    }
    assert "Edited in the admin" in [r["fields"]["heading"] for r in snapshot["children"]["sections"]]


def test_history_says_what_each_revision_changed_and_hides_empty_saves(editor, db, django_assert_max_num_queries):
    article = make_ready_draft()
    edit(editor, article)  # the first revision
    edit(editor, article)  # "No fields changed."
    edit(editor, article, **{"title": "New title", "faqs-0-DELETE": "on"})
    edit(editor, article)  # "No fields changed." again
    assert Version.objects.get_for_object(article).count() == 4
    response = editor.get(reverse(HISTORY, args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "No fields changed." not in html
    assert "2 saves that changed nothing are not listed." in html
    assert "<li>Title</li>" in html and "<li>FAQs: 1 removed</li>" in html and "First saved version" in html
    assert html.count('name="old"') == 2  # the two revisions that changed something
    assert f"/admin/articles/article/{article.pk}/history/" in html  # restore links, for Editors

    # Reading the history costs the same however many revisions there are.
    for _ in range(3):
        edit(editor, article, title=f"Title {Version.objects.count()}")
    with CaptureQueriesContext(connection) as few:
        editor.get(reverse(HISTORY, args=[article.pk]))
    for _ in range(5):
        edit(editor, article, title=f"Title {Version.objects.count()}")
    with CaptureQueriesContext(connection) as many:
        editor.get(reverse(HISTORY, args=[article.pk]))
    assert len(few) == len(many)


def test_compare_two_revisions_from_the_history(editor, db):
    article = make_ready_draft()
    edit(editor, article)
    edit(editor, article, **{"sections-0-heading": "Renamed in revision two"})
    first, second = Version.objects.get_for_object(article).order_by("pk")
    response = editor.get(reverse(COMPARE, args=[article.pk]), {"old": first.pk, "new": second.pk, "layout": "inline"})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Sections: 1 changed" in html
        and "<ins>Renamed in revision two</ins>" in html
        and "compare-fields--inline" in html
    )
    # Against the saved article now: nothing changed since revision two.
    response = editor.get(reverse(COMPARE, args=[article.pk]), {"old": second.pk, "new": "current"})
    assert "No differences" in response.content.decode()


@pytest.mark.parametrize("role", ["editor", "writer"])
def test_compare_with_live_from_a_live_article_with_a_draft(role, request, db):
    client = request.getfixturevalue(role)
    article = make_live()
    assert (
        "Compare with live"
        not in client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    )
    edit_draft(client, article)
    form = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    link = reverse(COMPARE, args=[article.pk]) + "?old=current&amp;new=draft"
    assert f'href="{link}"' in form and "Compare with live" in form
    response = client.get(reverse(COMPARE, args=[article.pk]), {"old": "current", "new": "draft"})
    html = response.content.decode()
    assert response.status_code == 200 and response.templates[0].name == "admin/articles/article/compare.html"
    assert "Before: Live version (now)" in html and "After: Unpublished changes" in html
    assert "“A new section”" in html and "FAQs: 1 removed" in html
    assert ArticleDraft.objects.filter(article=article).exists()  # reading changes nothing


def test_compare_needs_view_permission(client, django_user_model, db):
    article = make_live()
    url = reverse(COMPARE, args=[article.pk])
    assert client.get(url)["Location"].startswith("/admin/login/")
    clerk = django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert client.get(url).status_code == 200
    assert client.get(reverse(COMPARE, args=["nope"])).status_code == 403


def test_bad_choices_get_a_message_not_an_error(editor, db):
    article = make_live()
    other = make_ready_draft()
    edit(editor, other)
    foreign = Version.objects.get_for_object(other).get()
    url = reverse(COMPARE, args=[article.pk])
    for query, message in [
        ({"old": "current", "new": "current"}, "Choose two different versions."),
        ({"old": foreign.pk, "new": "current"}, "Select a valid choice."),
        ({"old": "current", "new": "draft"}, "Select a valid choice."),  # no draft
        ({"old": "current", "new": "current", "layout": "<x>"}, "Select a valid choice."),
    ]:
        response = editor.get(url, query)
        assert response.status_code == 400 and message in response.content.decode()


def test_draft_snapshot_and_live_snapshot_compare_by_row_ids(db):
    article = make_live()
    draft = drafts.take_snapshot(article)
    draft["children"]["takeaways"][0]["fields"]["text"] = "Changed takeaway"
    diff = compare.compare(compare.current_snapshot(article), draft)
    (row,) = groups(diff)["Takeaways"].rows
    assert row.status == "Changed" and row.label == "“Changed takeaway” (was “Takeaway 1”)"
    assert diff.fields == []  # a draft has no status: not reported as a change


def test_writers_see_the_history_without_restore_links(writer, db):
    article = make_ready_draft()
    edit(writer, article, title="A writer's title")
    html = writer.get(reverse(HISTORY, args=[article.pk])).content.decode()
    assert "A writer&#x27;s title" in html or "First saved version" in html
    assert (
        f"/admin/articles/article/{article.pk}/history/{Version.objects.get_for_object(article).get().pk}/" not in html
    )
    assert "Compare the chosen versions" in html
    data = form_data(writer.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert data["title"] == "A writer's title"
    assert writer.get(action_url(make_live(), "publish")).status_code == 405


def test_the_history_needs_view_permission(client, django_user_model, db):
    article = make_ready_draft()
    clerk = django_user_model.objects.create_user("clerk", "c@example.com", "pw", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(HISTORY, args=[article.pk])).status_code == 403


def revisions(article, count, start=0):
    """`count` revisions of `article`, each renaming it ("Title <n>"), saved a second apart."""
    import reversion
    import time_machine
    from django.utils import timezone

    base = timezone.now()
    for n in range(start, start + count):
        with time_machine.travel(base + timezone.timedelta(seconds=n), tick=False), reversion.create_revision():
            article.title = f"Title {n}"
            article.save()
    return list(Version.objects.get_for_object(article).order_by("revision__date_created", "pk"))


def radios(html, name):
    return html.count(f'name="{name}" value="')


def test_the_history_is_paged_and_any_two_versions_compare_across_pages(editor, db):
    article = make_ready_draft()
    versions = revisions(article, 60)
    url = reverse(HISTORY, args=[article.pk])

    first = editor.get(url).content.decode()
    assert radios(first, "old") == 50
    assert "60 revisions" in first and 'name="p" value="2"' in first and f'formaction="{url}"' in first
    assert "First saved version" not in first  # page 1's oldest is compared with page 2's newest
    assert first.count("<li>Title</li>") == 50
    assert f'value="{versions[-1].pk}" aria-label="Compare to the revision of' in first  # newest first
    second = editor.get(url, {"p": "2"}).content.decode()
    assert radios(second, "old") == 10 and "First saved version" in second
    assert '<span class="this-page" aria-current="page">2</span>' in second

    # From a revision on page 2 to one on page 1: page 1 remembers the one chosen on page 2.
    old, new = versions[3], versions[55]
    back = editor.get(url, {"p": "1", "old": old.pk, "new": new.pk}).content.decode()
    assert "Chosen on another page" in back
    assert f'<input type="radio" name="old" value="{old.pk}" checked>' in back
    assert f'name="new" value="{new.pk}" aria-label="Compare to the revision of {local(new)}" checked' in back
    compared = editor.get(reverse(COMPARE, args=[article.pk]), {"old": old.pk, "new": new.pk})
    assert compared.status_code == 200
    assert "<del>3</del>" in compared.content.decode() and "<ins>55</ins>" in compared.content.decode()

    # Whatever is typed into the address: a page, not an error.
    for query in ({"p": "999"}, {"p": "x"}, {"old": "99999999999999999999", "new": "<b>"}, {"old": "draft"}):
        assert editor.get(url, query).status_code == 200


def local(version):
    from articles.admin.display import local_time

    return local_time(version.revision.date_created)


def test_a_page_of_history_costs_the_same_however_many_revisions(editor, db):
    article = make_ready_draft()
    revisions(article, 55)
    url = reverse(HISTORY, args=[article.pk])
    editor.get(url)
    with CaptureQueriesContext(connection) as few:
        editor.get(url, {"p": "2"})
    revisions(article, 100, start=55)
    with CaptureQueriesContext(connection) as many:
        editor.get(url, {"p": "2"})
    assert len(few) == len(many)
