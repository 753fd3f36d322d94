"""Staff addresses carrying numbers past what a database or the calendar holds answer a message, not a 500.

SQLite stores integers up to 2**63 - 1 and raises OverflowError beyond; Python's dates end in 9999.
"""

import pytest

BEYOND = str(2**64)


@pytest.mark.parametrize(
    "changelist, field",
    [
        ("/admin/articles/article/", "published_at"),
        ("/admin/products/click/", "created_at"),
        ("/admin/newsletter/subscriber/", "created_at"),
        ("/admin/newsletter/suppression/", "created_at"),
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        "{field}__year=" + BEYOND,
        "{field}__year=2026&{field}__month=" + BEYOND,
        "{field}__year=2026&{field}__month=3&{field}__day=" + BEYOND,
        # Its next month, the end of the range Django filters by, is past the calendar.
        "{field}__year=9999&{field}__month=12",
    ],
)
def test_a_date_hierarchy_past_the_calendar_is_a_bad_filter(admin_client, changelist, field, query):
    response = admin_client.get(f"{changelist}?{query.format(field=field)}")
    # As for any filter the list cannot apply: Django's "?e=1" page.
    assert response.status_code == 302 and response["Location"] == f"{changelist}?e=1"


def test_a_date_hierarchy_in_the_calendar_still_filters(admin_client, demo):
    year = demo.published_at.year
    response = admin_client.get(f"/admin/articles/article/?published_at__year={year}")
    assert response.status_code == 200 and demo.title in response.content.decode()
    response = admin_client.get("/admin/articles/article/?published_at__year=1990")
    assert response.status_code == 200 and demo.title not in response.content.decode()


@pytest.mark.parametrize("article", [BEYOND, str(2**63), "0", "-4"])
def test_the_report_refuses_an_article_id_no_database_holds(editor, article):
    response = editor.get(f"/admin/products/click/report/?article={article}")
    assert response.status_code == 400
    assert "Choose the article from the table&#x27;s links." in response.content.decode()


def test_the_report_still_takes_an_article_from_its_links(editor, demo):
    response = editor.get(f"/admin/products/click/report/?article={demo.pk}")
    assert response.status_code == 200 and demo.title in response.content.decode()
