"""Load ratings exported from a review platform (CSV)."""

from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError
from products.services import RATING_COLUMNS, ratings_import


class Command(BaseCommand):
    help = (
        "Import ratings from CSV with the columns " + ", ".join(RATING_COLUMNS) + " (product is the product slug; "
        "status defaults to approved; created_at is ISO 8601 with a time zone). Rows are matched on "
        "(product, external_id), so a re-import updates instead of duplicating. Every bad row is reported by "
        "line and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE.csv")

    def handle(self, *args, path, **options):
        try:
            created, updated = ratings_import(path=path)
        except ContentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {path}: {created} created, {updated} updated.")
