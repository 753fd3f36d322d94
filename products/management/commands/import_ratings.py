"""Load ratings exported from a review platform (CSV)."""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from products.models import Product, Rating

COLUMNS = ["product", "external_id", "stars", "reviewer_name", "title", "text", "verified", "status", "created_at"]
REQUIRED = ["product", "external_id", "stars", "reviewer_name"]
TRUE, FALSE = {"1", "true", "yes", "y"}, {"", "0", "false", "no", "n"}


class Command(BaseCommand):
    help = (
        "Import ratings from CSV with the columns " + ", ".join(COLUMNS) + " (product is the product slug; "
        "status defaults to approved; created_at is ISO 8601 with a time zone). Rows are matched on "
        "(product, external_id), so a re-import updates instead of duplicating. Any bad row is reported by "
        "line and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE.csv")

    def handle(self, *args, path, **options):
        try:
            with open(path, newline="", encoding="utf-8-sig") as stream:
                reader = csv.DictReader(stream)
                missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(f"{path}:1: the header lacks {', '.join(missing)}.")
                rows = list(enumerate(reader, start=2))
        except FileNotFoundError:
            raise CommandError(f"{path}: file not found.") from None
        products = Product.objects.in_bulk(field_name="slug")
        parsed, seen = [], {}
        for line, row in rows:
            parsed.append(self._parse(path, line, row, products, seen))
        with transaction.atomic():
            existing = {
                (r.product_id, r.external_id): r
                for r in Rating.objects.filter(product__in={p["product"] for p in parsed}).exclude(external_id="")
            }
            created = updated = 0
            for values in parsed:
                current = existing.get((values["product"].pk, values["external_id"]))
                created_at = values.pop("created_at")
                rating = current or Rating(product=values["product"], external_id=values["external_id"])
                for field, value in values.items():
                    setattr(rating, field, value)
                rating.save(refresh_aggregate=False)  # once per product, below
                if created_at:
                    Rating.objects.filter(pk=rating.pk).update(created_at=created_at)
                created, updated = (created + 1, updated) if current is None else (created, updated + 1)
            for product in sorted({v["product"].pk for v in parsed}):
                Product.refresh_rating(product)
        self.stdout.write(f"Imported {path}: {created} created, {updated} updated.")

    def _parse(self, path, line, row, products, seen):
        def fail(message):
            raise CommandError(f"{path}:{line}: {message}")

        product = products.get((row.get("product") or "").strip())
        if product is None:
            fail(f"unknown product '{row.get('product')}'.")
        external_id = (row.get("external_id") or "").strip()
        if not external_id:
            fail("external_id is empty (it is what keeps a re-import from duplicating).")
        key = (product.pk, external_id)
        if key in seen:
            fail(f"rating {external_id} for {product.slug} appears already on line {seen[key]}.")
        seen[key] = line
        try:
            stars = int((row.get("stars") or "").strip())
        except ValueError:
            stars = 0
        if not 1 <= stars <= 5:
            fail(f"stars must be a whole number from 1 to 5, not '{row.get('stars')}'.")
        name = (row.get("reviewer_name") or "").strip()
        if not name:
            fail("reviewer_name is empty.")
        verified = (row.get("verified") or "").strip().lower()
        if verified not in TRUE | FALSE:
            fail(f"verified must be yes or no, not '{row.get('verified')}'.")
        status = (row.get("status") or Rating.Status.APPROVED).strip().lower()
        if status not in Rating.Status.values:
            fail(f"status must be one of {', '.join(Rating.Status.values)}.")
        raw_date = (row.get("created_at") or "").strip()
        created_at = parse_datetime(raw_date) if raw_date else None
        if raw_date and (created_at is None or created_at.tzinfo is None):
            fail(f"created_at '{raw_date}' is not an ISO date-time with a time zone.")
        return {
            "product": product,
            "external_id": external_id[:100],
            "stars": stars,
            "reviewer_name": name[:80],
            "title": (row.get("title") or "").strip()[:150],
            "text": (row.get("text") or "").strip()[:5000],
            "is_verified_purchase": verified in TRUE,
            "status": status,
            "created_at": created_at,
        }
