"""Load subscribers from CSV written by export_subscribers (or with the same columns)."""

from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError
from newsletter.exchange import CSV_COLUMNS, subscribers_import


class Command(BaseCommand):
    help = (
        "Create or update subscribers from CSV with the columns "
        + ", ".join(CSV_COLUMNS)
        + ". Every bad row is reported by line and nothing is written. Unsubscribed addresses stay unsubscribed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            result = subscribers_import(path=path)
        except ContentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Imported {path}: {result.created} created, {result.updated} updated, "
            f"{result.kept_unsubscribed} kept unsubscribed."
        )
