"""Import products from a TOML file of [[products]] tables."""

from django.core.management.base import BaseCommand, CommandError

from core.content import ContentError
from products.services import products_import


class Command(BaseCommand):
    help = "Create or update products (by slug) from a TOML file such as content/products.toml. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH.toml")

    def handle(self, *args, path, **options):
        try:
            products = products_import(path=path)
        except ContentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {len(products)} product(s).")
