"""Import articles written in the content format (docs/content-format.md)."""

from django.core.management.base import BaseCommand, CommandError

from articles.services import article_import
from core.content import ContentError


class Command(BaseCommand):
    help = "Create or update articles (by slug) from Markdown files with TOML front matter. All or nothing per file."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH.md")

    def handle(self, *args, paths, **options):
        for path in paths:
            try:
                article = article_import(path=path)
            except ContentError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Imported “{article.title}” ({article.slug}, {article.reading_minutes} min read).")
