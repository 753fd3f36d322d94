"""kuru_site/sqlrows.py: hand-written statements, prepared per connection on PostgreSQL."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kuru_site.sqlrows import fetch
from tests.markers import needs_postgresql

postgresql_only = needs_postgresql("prepared statements are PostgreSQL's")


def _server_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


# PostgreSQL must infer each placeholder's type when it prepares the statement:
# from the column it meets, or from a cast as here.
INT, TEXT = "CAST(%s AS INTEGER)", "CAST(%s AS TEXT)"


def test_fetch_returns_the_rows_of_the_statement(db):
    assert fetch("sqlrows_sum", f"SELECT {INT} + {INT}, {TEXT}", [2, 3, "five"]) == [(5, "five")]
    assert fetch("sqlrows_sum", f"SELECT {INT} + {INT}, {TEXT}", [4, 3, "seven"]) == [(7, "seven")]


@postgresql_only
def test_the_first_fetch_prepares_in_the_same_round_trip_and_later_ones_execute(db):
    with CaptureQueriesContext(connection) as first:
        assert fetch("sqlrows_square", f"SELECT {INT} * {INT}", [3, 3]) == [(9,)]
    with CaptureQueriesContext(connection) as second:
        assert fetch("sqlrows_square", f"SELECT {INT} * {INT}", [4, 4]) == [(16,)]

    assert len(first) == len(second) == 1
    assert first[0]["sql"].startswith("PREPARE sqlrows_square_") and "EXECUTE" in first[0]["sql"]
    assert second[0]["sql"].startswith("EXECUTE sqlrows_square_")
    assert second[0]["sql"].split("(")[0].split()[-1] in _server_statements()


@postgresql_only
def test_a_failed_first_attempt_spends_its_name_and_the_next_one_works(db):
    with pytest.raises(Exception, match="division by zero"), transaction.atomic():
        fetch("sqlrows_ratio", f"SELECT 6 / {INT}", [0])
    # The server kept that PREPARE; reusing its name would fail with "already exists".
    assert fetch("sqlrows_ratio", f"SELECT 6 / {INT}", [2]) == [(3,)]
    assert fetch("sqlrows_ratio", f"SELECT 6 / {INT}", [3]) == [(2,)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    assert fetch("sqlrows_again", f"SELECT {TEXT}", ["one"]) == [("one",)]
    connection.close()
    with CaptureQueriesContext(connection) as captured:
        assert fetch("sqlrows_again", f"SELECT {TEXT}", ["two"]) == [("two",)]
    assert captured[0]["sql"].startswith("PREPARE ")


@postgresql_only
def test_prepared_statements_can_be_turned_off(db, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as captured:
        assert fetch("sqlrows_plain", f"SELECT {TEXT}", ["plain"]) == [("plain",)]
    assert captured[0]["sql"] == "SELECT CAST('plain' AS TEXT)"
