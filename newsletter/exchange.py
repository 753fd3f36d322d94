"""Subscribers as CSV: every field of the row and its consent record, for export and import."""

import csv
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime

from core.spreadsheets import SpreadsheetWriter, spreadsheet_value

from .models import Subscriber

CSV_COLUMNS = [
    "email",
    "status",
    "created_at",
    "signed_up_at",
    "confirmed_at",
    "unsubscribed_at",
    "source_url",
    "source_article",
    "placement",
    "consent_version",
    "ip_address",
]
DATE_COLUMNS = ["created_at", "signed_up_at", "confirmed_at", "unsubscribed_at"]


def _stamp(value):
    return value.astimezone(datetime.UTC).isoformat() if value else ""


def subscriber_row(subscriber) -> list[str]:
    return [
        subscriber.email,
        subscriber.status,
        _stamp(subscriber.created_at),
        _stamp(subscriber.signed_up_at),
        _stamp(subscriber.confirmed_at),
        _stamp(subscriber.unsubscribed_at),
        subscriber.source_url,
        subscriber.source_article.slug if subscriber.source_article_id else "",
        subscriber.placement,
        subscriber.consent_version,
        subscriber.ip_address or "",
    ]


def export_subscribers(stream, queryset=None) -> int:
    """Write `queryset` (default: every subscriber) as CSV; return how many rows."""
    writer = SpreadsheetWriter(stream)
    writer.writerow(CSV_COLUMNS)
    count = 0
    subscribers = Subscriber.objects.all() if queryset is None else queryset
    for subscriber in subscribers.select_related("source_article").order_by("created_at", "id"):
        writer.writerow(subscriber_row(subscriber))
        count += 1
    return count


class SubscriberImportError(Exception):
    """A row that cannot be imported: the message names its line."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    kept_unsubscribed: int = 0


def _parse_row(line, row, articles):
    email = (row.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise SubscriberImportError(f"line {line}: '{email}' is not a valid email address.") from None
    status = row.get("status") or ""
    if status not in Subscriber.Status.values:
        raise SubscriberImportError(
            f"line {line}: status '{status}' is not one of {', '.join(Subscriber.Status.values)}."
        )
    values = {"email": email, "status": status}
    for column in DATE_COLUMNS:
        raw = (row.get(column) or "").strip()
        parsed = parse_datetime(raw) if raw else None
        if raw and (parsed is None or parsed.tzinfo is None):
            raise SubscriberImportError(f"line {line}: {column} '{raw}' is not an ISO date-time with a time zone.")
        values[column] = parsed
    placement = row.get("placement") or Subscriber.Placement.IMPORT
    if placement not in Subscriber.Placement.values:
        raise SubscriberImportError(f"line {line}: placement '{placement}' is unknown.")
    slug = (row.get("source_article") or "").strip()
    if slug and slug not in articles:
        raise SubscriberImportError(f"line {line}: no article with slug '{slug}'.")
    ip = (row.get("ip_address") or "").strip()
    if ip:
        try:
            validate_ipv46_address(ip)
        except ValidationError:
            raise SubscriberImportError(f"line {line}: '{ip}' is not an IP address.") from None
    values.update(
        source_url=(row.get("source_url") or "")[:300],
        source_article_id=articles.get(slug),
        placement=placement,
        consent_version=(row.get("consent_version") or "")[:40],
        ip_address=ip or None,
    )
    return values


def import_subscribers(stream) -> ImportResult:
    """Create or update subscribers from CSV; any bad row stops the import before anything is written.

    An address that is unsubscribed here stays unsubscribed, whatever the file says.
    """
    from articles.models import Article

    reader = csv.DictReader(stream)
    missing = [c for c in ("email", "status") if c not in (reader.fieldnames or [])]
    if missing:
        raise SubscriberImportError(f"line 1: the header lacks {', '.join(missing)}.")
    articles = dict(Article.objects.values_list("slug", "id"))
    rows, seen = [], {}
    for line, row in enumerate(reader, start=2):
        # Our own exports guard formula-leading cells with a '; read them back as they were.
        row = {key: spreadsheet_value(value) if isinstance(value, str) else value for key, value in row.items()}
        values = _parse_row(line, row, articles)
        key = values["email"].lower()
        if key in seen:
            raise SubscriberImportError(f"line {line}: {values['email']} appears already on line {seen[key]}.")
        seen[key] = line
        rows.append(values)

    result = ImportResult()
    with transaction.atomic():
        existing = {
            s.email.lower(): s
            for s in Subscriber.objects.select_for_update().annotate(key=Lower("email")).filter(key__in=list(seen))
        }
        for values in rows:
            current = existing.get(values["email"].lower())
            if current is not None and current.status == Subscriber.Status.UNSUBSCRIBED:
                result.kept_unsubscribed += 1
                continue
            created_at = values.pop("created_at")
            subscriber = current or Subscriber(email=values["email"])
            for field, value in values.items():
                setattr(subscriber, field, value)
            subscriber.save()
            if created_at:
                # auto_now_add ignores a given value on save; keep the file's date.
                Subscriber.objects.filter(pk=subscriber.pk).update(created_at=created_at)
            if current is None:
                result.created += 1
            else:
                result.updated += 1
    return result
