"""Write every subscriber, with status and consent record, as CSV."""

import io

from django.core.management.base import BaseCommand

from newsletter.exchange import export_subscribers


class Command(BaseCommand):
    help = "Export all subscribers as CSV (to a file, or standard output). import_subscribers reads it back."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV file to write (default: standard output)")

    def handle(self, *args, path=None, **options):
        if path:
            with open(path, "w", newline="", encoding="utf-8") as stream:
                count = export_subscribers(stream)
            self.stderr.write(f"Exported {count} subscriber(s) to {path}.")
        else:
            buffer = io.StringIO()
            export_subscribers(buffer)
            self.stdout.write(buffer.getvalue(), ending="")
