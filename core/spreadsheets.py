"""CSV files that staff open in a spreadsheet: one writer for every export, safe against formula injection."""

import csv

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV Injection"): "=cmd|'/Ccalc'!A0@example.com" is a valid email address.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(cell):
    """`cell` as text a spreadsheet shows and never runs: a formula-leading string gets a leading '."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return f"'{cell}"
    return cell


def spreadsheet_value(cell: str) -> str:
    """The value spreadsheet_safe() was given: for importers reading our own exports back."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


class SpreadsheetWriter:
    """csv.writer whose every cell goes through spreadsheet_safe()."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
