"""Model instances from hand-written SELECTs, for the few pages whose queries are written by hand.

Building a statement with the ORM costs more, on every request, than running it
(articles/models.py says where and by how much). `Columns` gives such a statement
a model's select list and turns the matching slice of each row back into an
instance, with the same database converters the ORM applies (SQLite's booleans,
decimals and datetimes, for instance), so callers get ordinary model objects.
"""

from django.db import connection
from django.db.models.expressions import Col


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
