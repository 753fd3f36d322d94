"""Import products: the shop's Merchant Center feed (TSV or XML), or a TOML file of [[products]] tables.

A feed can run on a schedule through the task queue: cron (or a systemd timer) runs
`manage.py import_products FEED --enqueue`, and `manage.py db_worker` imports it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError
from products.services import products_feed_import, products_import
from products.tasks import import_product_feed


class Command(BaseCommand):
    help = (
        "Create or update products from the shop's product feed (Google Merchant Center TSV or XML: variants, "
        "prices, stock, images) or from a TOML file such as content/products.toml. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FEED", help="A .tsv/.txt/.xml product feed, or a .toml products file.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the feed import as a background task instead of running it."
        )

    def handle(self, *args, path, enqueue, **options):
        is_toml = Path(path).suffix.lower() == ".toml"
        if enqueue:
            if is_toml:
                raise CommandError("--enqueue is for product feeds, not TOML files.")
            result = import_product_feed.enqueue(str(Path(path).resolve()))
            self.stdout.write(f"Queued the import of {path} (task {result.id}).")
            return
        try:
            if is_toml:
                self.stdout.write(f"Imported {len(products_import(path=path))} product(s).")
            else:
                self.stdout.write(products_feed_import(path=path).summary())
        except ContentError as exc:
            raise CommandError(str(exc)) from None
