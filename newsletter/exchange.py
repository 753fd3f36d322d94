"""Subscribers as CSV: every field of the row and its consent record, for export and import."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime

from core.content import MAX_CSV_BYTES, ContentError, Problems, csv_rows, quoted, read_text
from core.spreadsheets import SpreadsheetWriter, spreadsheet_value

from .models import CONSENT_RECORD_FIELDS, Subscriber

CSV_COLUMNS = ["email", "status", *CONSENT_RECORD_FIELDS]
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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    kept_unsubscribed: int = 0


# What a row sets, checked with Subscriber's own field rules before anything is written.
ROW_FIELDS = ["email", "status", "source_url", "placement", "consent_version", "ip_address", *DATE_COLUMNS]


def _subscriber_from_row(path, line, row, articles, existing):
    email = row["email"].strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ContentError(path, line, f"{quoted(email)} is not a valid email address.") from None
    subscriber = existing.get(email.lower()) or Subscriber(email=email)
    current = None if subscriber.pk is None else subscriber.status
    subscriber.email = email
    subscriber.status = row["status"]
    for column in DATE_COLUMNS:
        raw = (row.get(column) or "").strip()
        try:
            parsed = parse_datetime(raw) if raw else None
        except ValueError:  # well formed, impossible (a 30th of February)
            parsed = None
        if raw and (parsed is None or parsed.tzinfo is None):
            raise ContentError(path, line, f"{column} {quoted(raw)} is not an ISO date-time with a time zone.")
        if parsed is not None or column != "created_at":  # a row without one keeps the stored date
            setattr(subscriber, column, parsed)
    slug = (row.get("source_article") or "").strip()
    if slug and slug not in articles:
        raise ContentError(path, line, f"no article with slug {quoted(slug)}.")
    subscriber.source_article_id = articles.get(slug)
    subscriber.source_url = row.get("source_url") or ""
    subscriber.placement = row.get("placement") or Subscriber.Placement.IMPORT
    subscriber.consent_version = row.get("consent_version") or ""
    subscriber.ip_address = (row.get("ip_address") or "").strip() or None
    return subscriber, current


def _by_address(keys: list[str], lock: bool = False) -> dict:
    """{lower-case address: subscriber} for `keys`, a few hundred per query (SQLite bounds a query's parameters)."""
    found = {}
    for start in range(0, len(keys), 500):
        rows = Subscriber.objects.annotate(key=Lower("email")).filter(key__in=keys[start : start + 500])
        found.update((s.email.lower(), s) for s in (rows.select_for_update() if lock else rows))
    return found


def subscribers_import(*, path) -> ImportResult:
    """Create or update subscribers from a CSV file; any bad row stops the import before anything is written.

    Every row is checked with Subscriber's field rules (length, choices, IP
    address) and every problem is reported as `PATH:LINE: message` in one
    ContentError. An address that is unsubscribed (or bounced, or complained) here stays so,
    whatever the file says.
    """
    from articles.models import Article

    path = Path(path)
    rows = csv_rows(path, read_text(path, MAX_CSV_BYTES), CSV_COLUMNS, ["email", "status"])
    articles = dict(Article.objects.values_list("slug", "id"))
    existing = _by_address([row["email"].strip().lower() for _, row in rows])
    problems, parsed, seen = Problems(path), [], {}
    for line, row in rows:
        # Our own exports guard formula-leading cells with a '; read them back as they were.
        row = {key: spreadsheet_value(value) for key, value in row.items()}
        try:
            subscriber, current = _subscriber_from_row(path, line, row, articles, existing)
        except ContentError as exc:
            problems.add_error(exc)
            continue
        key = subscriber.email.lower()
        if key in seen:
            problems.add(line, f"{quoted(subscriber.email)} appears already on line {seen[key]}.")
            continue
        seen[key] = line
        problems.add_model(lambda _, line=line: line, subscriber, ROW_FIELDS)
        parsed.append((subscriber, current))
    problems.raise_any()

    result = ImportResult()
    with transaction.atomic():
        # Lock the rows the file names, then keep those unsubscribed meanwhile as they are.
        locked = _by_address(list(seen), lock=True)
        for subscriber, current in parsed:
            now = locked[key].status if (key := subscriber.email.lower()) in locked else current
            # Nor does a file put back an address taken off the list for a bounce or a complaint.
            if now in (Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED):
                result.kept_unsubscribed += 1
                continue
            created_at = subscriber.created_at
            subscriber.save()
            if created_at:
                # auto_now_add ignores a given value on save; keep the file's date.
                Subscriber.objects.filter(pk=subscriber.pk).update(created_at=created_at)
            if current is None:
                result.created += 1
            else:
                result.updated += 1
    return result
