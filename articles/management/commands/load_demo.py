"""Load the demo content under content/: authors, products, then every article. Idempotent."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from products.demo import seed_demo_ratings
from products.models import Product


class Command(BaseCommand):
    help = "Load content/authors.toml, content/products.toml, content/product-feed.tsv and content/articles/*.md (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--content", default=str(Path(settings.BASE_DIR) / "content"))

    def handle(self, *args, content, **options):
        content = Path(content)
        call_command("import_authors", content / "authors.toml", stdout=self.stdout)
        call_command("import_products", content / "products.toml", stdout=self.stdout)
        if (content / "product-feed.tsv").exists():
            # Prices, sizes, widths, colours and stock: the seed has none, so the demo feed invents them.
            call_command("import_products", content / "product-feed.tsv", stdout=self.stdout)
        # The catalog's rating figures become real approved ratings.
        for product in Product.objects.filter(rating_count__gt=0, ratings__isnull=True).distinct():
            seed_demo_ratings(product, product.rating_count, float(product.rating_average))
        articles = sorted((content / "articles").glob("*.md"))
        if articles:
            call_command("import_article", *articles, stdout=self.stdout)
