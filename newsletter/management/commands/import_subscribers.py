"""Load subscribers from CSV written by export_subscribers (or with the same columns)."""

from django.core.management.base import BaseCommand, CommandError

from newsletter.exchange import CSV_COLUMNS, SubscriberImportError, import_subscribers


class Command(BaseCommand):
    help = (
        "Create or update subscribers from CSV with the columns "
        + ", ".join(CSV_COLUMNS)
        + ". A malformed row is reported by line and nothing is written. Unsubscribed addresses stay unsubscribed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, newline="", encoding="utf-8") as stream:
                result = import_subscribers(stream)
        except FileNotFoundError:
            raise CommandError(f"{path}: file not found.") from None
        except SubscriberImportError as exc:
            raise CommandError(f"{path}: {exc}") from None
        self.stdout.write(
            f"Imported {path}: {result.created} created, {result.updated} updated, "
            f"{result.kept_unsubscribed} kept unsubscribed."
        )
