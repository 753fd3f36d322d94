import csv
import io

import pytest

from core.spreadsheets import SpreadsheetWriter, spreadsheet_safe, spreadsheet_value
from newsletter.exchange import export_subscribers, subscribers_import
from newsletter.models import Subscriber


@pytest.mark.parametrize("cell", ["=cmd|'/Ccalc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_leading_cells_are_written_as_text_and_read_back(cell):
    assert spreadsheet_safe(cell) == f"'{cell}"
    assert spreadsheet_value(spreadsheet_safe(cell)) == cell


@pytest.mark.parametrize("cell", ["plain", "", "'quoted already", 12, None])
def test_other_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell


def test_the_writer_guards_every_cell():
    out = io.StringIO()
    SpreadsheetWriter(out).writerows([["=1+1", "ok", 3]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "ok", "3"]


def test_a_formula_address_is_exported_as_text_and_round_trips(db, tmp_path):
    address = "=cmd|'/Ccalc'!A0@example.com"
    Subscriber.objects.create(email=address, status=Subscriber.Status.CONFIRMED)
    out = io.StringIO()
    export_subscribers(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["email"] == f"'{address}"
    Subscriber.objects.all().delete()
    (tmp_path / "subscribers.csv").write_text(out.getvalue())
    subscribers_import(path=tmp_path / "subscribers.csv")
    assert Subscriber.objects.get().email == address
