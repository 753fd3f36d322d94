"""Import authors from a TOML file of [[authors]] tables."""

from django.core.management.base import BaseCommand, CommandError

from articles.services import authors_import
from core.content import ContentError


class Command(BaseCommand):
    help = "Create or update authors (by slug) from a TOML file such as content/authors.toml."

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH.toml")

    def handle(self, *args, path, **options):
        try:
            authors = authors_import(path=path)
        except ContentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {len(authors)} author(s).")
