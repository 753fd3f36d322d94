"""Load the demo content under content/: authors, products, then every article. Idempotent."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load content/authors.toml, content/products.toml and content/articles/*.md (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--content", default=str(Path(settings.BASE_DIR) / "content"))

    def handle(self, *args, content, **options):
        content = Path(content)
        call_command("import_authors", content / "authors.toml", stdout=self.stdout)
        call_command("import_products", content / "products.toml", stdout=self.stdout)
        articles = sorted((content / "articles").glob("*.md"))
        if articles:
            call_command("import_article", *articles, stdout=self.stdout)
