"""Model instances from hand-written SELECTs, for the few pages whose queries are written by hand.

Building a statement with the ORM costs more, on every request, than running it
(articles/models.py says where and by how much). `Columns` gives such a statement
a model's select list and turns the matching slice of each row back into an
instance, with the same database converters the ORM applies (SQLite's booleans,
decimals and datetimes, for instance), so callers get ordinary model objects.

`fetch()` runs such a statement. On PostgreSQL it is a prepared statement of the
connection: parsing and planning one of the article page's statements took the
server longer than running it. PREPARE travels with the first EXECUTE in the
same round trip, so a page takes as many queries either way.
"""

import itertools

from django.conf import settings
from django.db import connection
from django.db.models.expressions import Col

# Server-side names get a number that is never reused: after a failed first
# attempt the server may or may not hold the statement, so its name is spent.
_attempts = itertools.count(1)


def fetch(name, sql, params):
    """All rows of `sql` (with %s placeholders) for `params`; `name` identifies the statement.

    PostgreSQL must infer each placeholder's type when it prepares the statement:
    compare it with a column, or cast it.
    """
    with connection.cursor() as cursor:
        prepared = _prepared_statements() if settings.DATABASE_PREPARED_STATEMENTS else None
        if prepared is None:
            cursor.execute(sql, params)
            return cursor.fetchall()
        arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
        if name in prepared:
            cursor.execute(f"EXECUTE {prepared[name]}{arguments}", params)
            return cursor.fetchall()
        server_name = f"{name}_{next(_attempts)}"
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        cursor.execute(f"PREPARE {server_name} AS {numbered}; EXECUTE {server_name}{arguments}", params)
        prepared[name] = server_name
        return cursor.fetchall()


def _prepared_statements():
    """{name: server name} of the statements prepared on the current PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return None
    raw = connection.connection  # a reconnection (CONN_MAX_AGE, health check) starts afresh
    state = getattr(connection, "sqlrows_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, {})
        connection.sqlrows_prepared = state
    return state[1]


class Columns:
    """The concrete columns of `model` under table alias `alias`, minus `exclude` (left deferred)."""

    def __init__(self, model, alias, exclude=()):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if f.attname not in exclude]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
        self.width = len(fields)
        self.names = [f.attname for f in fields]
        self.converters = []
        for position, field in enumerate(fields):
            expression = Col(alias, field)
            functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            if functions:
                self.converters.append((position, functions, expression))

    def instance(self, row, start=0):
        """The instance stored in row[start:start + width]."""
        values = list(row[start : start + self.width])
        for position, functions, expression in self.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.names, values)
