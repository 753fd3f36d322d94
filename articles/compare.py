"""
What changed between two versions of an article, child rows included.

Both sides are snapshots in the format of articles/drafts.py: Django's JSON
serialization of the article and of its takeaways, sections, product cards and
FAQs. A draft is one already, the rows readers see are read into one
(`current_snapshot`), and a django-reversion revision is turned into one
(`revision_snapshots`): reversion keeps the same serialization of each object
it saved, and the article admin follows the inlines, so a revision holds the
children as they were. Rows are matched by primary key (drafts keep the ids of
live rows), so a renamed section is "changed", not removed and added, and
rows whose relative order changed are "moved".

Every value is turned into plain text first (editor HTML is sanitized, then
read as one line per paragraph) and compared word by word with difflib; the
pieces are HTML-escaped one by one, so stored markup is never rendered.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst

from core.richtext import html_to_text, sanitize_html
from products.models import Product

from .drafts import CHILDREN, take_snapshot
from .models import Article, Author, Topic

# What is shown of a row a foreign key names.
NAME_FIELDS = {Author: "name", Topic: "name", Article: "title", Product: "name"}
# Neither side of a change a reader would notice: the position is reported as a move.
NOT_COMPARED = {"id", "article", "sort_order"}
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
_BLOCK_END = re.compile(r"</(?:p|li|blockquote|ul|ol)>|<br\s*/?>", re.IGNORECASE)


@dataclass
class FieldChange:
    """One field's old and new text, each marked up with <del>/<ins> (escaped, safe to render)."""

    label: str
    old: str
    new: str
    name: str = ""
    old_html: str = ""
    new_html: str = ""
    inline_html: str = ""

    def __post_init__(self):
        self.old_html, self.new_html, self.inline_html = _mark(self.old, self.new)


@dataclass
class RowChange:
    """A takeaway, section, card or FAQ that was added, removed, changed or moved."""

    label: str
    old_position: int | None
    new_position: int | None
    fields: list[FieldChange]
    moved: bool = False

    @property
    def kind(self) -> str:
        if self.old_position is None:
            return "added"
        if self.new_position is None:
            return "removed"
        return "changed" if self.fields else "moved"

    @property
    def status(self) -> str:
        """ "Added", "Removed", "Changed", "Moved from 3 to 1" or "Changed, moved from 3 to 1"."""
        if self.kind in ("added", "removed"):
            return self.kind.capitalize()
        move = ""
        if self.moved:
            same = self.old_position == self.new_position
            move = "moved to another section" if same else f"moved from {self.old_position} to {self.new_position}"
        if self.fields and move:
            return f"Changed, {move}"
        return "Changed" if self.fields else capfirst(move)


@dataclass
class GroupChange:
    """The changes to one kind of child row (sections, say), in the new order, removed rows last."""

    title: str
    rows: list[RowChange]
    unchanged: int

    def counts(self) -> str:
        """ "1 changed, 2 added" """
        found = {}
        for row in self.rows:
            kinds = [row.kind] + (["moved"] if row.moved and row.kind == "changed" else [])
            for kind in kinds:
                found[kind] = found.get(kind, 0) + 1
        order = ["changed", "moved", "added", "removed"]
        return ", ".join(f"{found[kind]} {kind}" for kind in order if kind in found)


@dataclass
class ArticleDiff:
    fields: list[FieldChange] = field(default_factory=list)
    groups: list[GroupChange] = field(default_factory=list)

    def __bool__(self):
        return bool(self.fields or any(group.rows for group in self.groups))

    def summary(self) -> list[str]:
        """What changed, in a few words per part: ["Title", "Sections: 1 changed, 1 added"]."""
        parts = list(dict.fromkeys(change.label.split(" (")[0] for change in self.fields))
        return parts + [f"{group.title}: {group.counts()}" for group in self.groups if group.rows]


def _tokens(text):
    return _TOKENS.findall(text)


def _mark(old: str, new: str) -> tuple[str, str, str]:
    """(old with <del>, new with <ins>, both interleaved): every piece escaped."""
    a, b = _tokens(old), _tokens(new)
    # A space kept between two changed words reads as part of one change: merge such runs.
    pieces = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if pieces and tag != "equal" and pieces[-1][0] != "equal":
            pieces[-1] = ("replace", pieces[-1][1] + removed, pieces[-1][2] + added)
        else:
            pieces.append((tag, removed, added))
        if len(pieces) > 2 and pieces[-1][0] != "equal" and pieces[-2][0] == "equal" and not pieces[-2][1].strip():
            if pieces[-3][0] != "equal":
                (_t, r1, a1), (_e, space, _s), (_t2, r2, a2) = pieces[-3:]
                pieces[-3:] = [("replace", r1 + space + r2, a1 + space + a2)]
    old_parts, new_parts, inline = [], [], []
    for tag, removed, added in pieces:
        removed, added = escape(removed), escape(added)
        if tag == "equal":
            old_parts.append(removed)
            new_parts.append(added)
            inline.append(added)
            continue
        if removed:
            old_parts.append(f"<del>{removed}</del>")
            inline.append(f"<del>{removed}</del>")
        if added:
            new_parts.append(f"<ins>{added}</ins>")
            inline.append(f"<ins>{added}</ins>")
    return mark_safe("".join(old_parts)), mark_safe("".join(new_parts)), mark_safe("".join(inline))


def html_lines(html: str) -> str:
    """Editor HTML as staff read it: sanitized, one line per paragraph or list item, no markup."""
    blocks = _BLOCK_END.split(sanitize_html(html or ""))
    return "\n".join(text for text in (html_to_text(block) for block in blocks) if text)


def _local(value) -> str:
    when = value if isinstance(value, datetime) else parse_datetime(str(value))
    if when is None:
        return str(value)
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_default_timezone())
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M %Z}"


def _compared_fields(model):
    fields = [f for f in model._meta.concrete_fields if f.editable and f.name not in NOT_COMPARED]
    return fields + [f for f in model._meta.many_to_many if f.editable]


class Names:
    """Labels of the rows foreign keys name, read with one query per related model."""

    def __init__(self, snapshots):
        wanted = {}
        for snapshot in snapshots:
            for model, record in _records(snapshot):
                for f in _compared_fields(model):
                    related = f.related_model
                    if related in NAME_FIELDS:
                        value = record["fields"].get(f.name)
                        values = value if isinstance(value, list) else [value]
                        wanted.setdefault(related, set()).update(v for v in values if v is not None)
        self.names = {
            related: dict(related._default_manager.filter(pk__in=ids).values_list("pk", NAME_FIELDS[related]))
            for related, ids in wanted.items()
        }

    def __call__(self, model, pk):
        name = self.names.get(model, {}).get(pk)
        return name if name is not None else f"#{pk} (deleted since)"


def _records(snapshot):
    yield Article, snapshot["article"]
    for name, model in CHILDREN:
        for record in snapshot["children"].get(name, []):
            yield model, record


def _text(f, value, names, headings) -> str:
    """`value` of field `f` as staff read it."""
    if value in (None, ""):
        return ""
    if f.many_to_many:
        return "\n".join(sorted(names(f.related_model, pk) for pk in value))
    if f.name == "section" and f.is_relation:
        return headings.get(value, f"#{value}")
    if f.is_relation:
        return names(f.related_model, value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(f, models.DateTimeField):
        return _local(value)
    if f.name.endswith("_html"):
        return html_lines(value)
    return str(value)


def _field_changes(model, old, new, names, old_headings=None, new_headings=None) -> list[FieldChange]:
    """What differs between two records of `model` (a missing record counts as empty)."""
    changes = []
    for f in _compared_fields(model):
        if old is not None and new is not None and (f.name not in old["fields"] or f.name not in new["fields"]):
            continue  # one side does not record it (a draft has no status)
        old_value = (old or {"fields": {}})["fields"].get(f.name)
        new_value = (new or {"fields": {}})["fields"].get(f.name)
        if old is not None and new is not None and f.is_relation and old_value == new_value:
            continue  # the same row: a renamed section is the section's change, not its cards'
        if (old is None or new is None) and isinstance(f, models.BooleanField) and not (old_value or new_value):
            continue  # an unticked box on a row added or removed says nothing
        before = _text(f, old_value, names, old_headings or {})
        after = _text(f, new_value, names, new_headings or {})
        label = capfirst(str(f.verbose_name))
        if before != after:
            changes.append(FieldChange(label, before, after, f.name))
        elif f.name.endswith("_html") and old is not None and new is not None:
            markup = [sanitize_html(r["fields"].get(f.name) or "") for r in (old, new)]
            if markup[0] != markup[1]:
                changes.append(FieldChange(f"{label} (formatting)", *markup, f.name))
    return changes


def _ordered(records):
    return sorted(records, key=lambda r: (r["fields"].get("sort_order") or 0, r["pk"]))


def _row_label(model, record, names, headings) -> str:
    fields = record["fields"]
    if model._meta.model_name == "productcard":
        product = names(Product, fields.get("product"))
        return f"“{product}” after “{headings.get(fields.get('section'), '?')}”"
    text = fields.get("heading") or fields.get("question") or fields.get("text") or f"#{record['pk']}"
    return f"“{Truncator(text).chars(80)}”"


def _group(name, model, old_records, new_records, names, headings) -> GroupChange:
    old_rows, new_rows = _ordered(old_records), _ordered(new_records)
    old_by_pk, new_by_pk = {r["pk"]: r for r in old_rows}, {r["pk"]: r for r in new_rows}
    old_common = [r["pk"] for r in old_rows if r["pk"] in new_by_pk]
    new_common = [r["pk"] for r in new_rows if r["pk"] in old_by_pk]
    stayed = set()
    for block in SequenceMatcher(None, old_common, new_common, autojunk=False).get_matching_blocks():
        stayed.update(old_common[block.a : block.a + block.size])
    old_position = {r["pk"]: i for i, r in enumerate(old_rows, start=1)}
    old_headings, new_headings = headings
    rows, unchanged = [], 0
    for position, record in enumerate(new_rows, start=1):
        before = old_by_pk.get(record["pk"])
        fields = _field_changes(model, before, record, names, old_headings, new_headings)
        if before is None:
            rows.append(RowChange(_row_label(model, record, names, new_headings), None, position, fields))
            continue
        moved = record["pk"] not in stayed or any(change.name == "section" for change in fields)
        if not fields and not moved:
            unchanged += 1
            continue
        label = _row_label(model, record, names, new_headings)
        old_label = _row_label(model, before, names, old_headings)
        if old_label != label and model._meta.model_name != "productcard":
            label = f"{label} (was {old_label})"
        rows.append(RowChange(label, old_position[record["pk"]], position, fields, moved=moved))
    for record in old_rows:
        if record["pk"] not in new_by_pk:
            fields = _field_changes(model, record, None, names, old_headings, new_headings)
            label = _row_label(model, record, names, old_headings)
            rows.append(RowChange(label, old_position[record["pk"]], None, fields))
    return GroupChange(capfirst(str(model._meta.verbose_name_plural)), rows, unchanged)


def compare(old: dict, new: dict, names: Names | None = None) -> ArticleDiff:
    """What changed from snapshot `old` to snapshot `new` (both in the drafts.py format).

    `names` (of the rows foreign keys name) may be read once for many snapshots.
    """
    names = names or Names([old, new])

    def headings(snapshot):
        return {r["pk"]: r["fields"].get("heading", "") for r in snapshot["children"].get("sections", [])}

    both_headings = (headings(old), headings(new))
    diff = ArticleDiff(fields=_field_changes(Article, old["article"], new["article"], names))
    for name, model in CHILDREN:
        group = _group(
            name,
            model,
            old["children"].get(name, []),
            new["children"].get(name, []),
            names,
            both_headings,
        )
        diff.groups.append(group)
    return diff


def current_snapshot(article) -> dict:
    """The rows readers see (or, for an article never published, the saved article), status included."""
    snapshot = take_snapshot(article)
    fresh = Article.objects.only("status", "published_at").get(pk=article.pk)
    snapshot["article"]["fields"].update(
        status=fresh.status, published_at=fresh.published_at.isoformat() if fresh.published_at else None
    )
    return snapshot


def revision_snapshots(article_pk, versions) -> dict:
    """{revision id: snapshot} of the revisions the article's `versions` belong to, in one query."""
    from reversion.models import Version

    content_types = {
        ContentType.objects.get_for_model(model).pk: name for name, model in [("article", Article), *CHILDREN]
    }
    revision_ids = [version.revision_id for version in versions]
    snapshots = {
        rid: {"version": 1, "article": None, "children": {n: [] for n, _m in CHILDREN}} for rid in revision_ids
    }
    rows = Version.objects.filter(revision_id__in=revision_ids, content_type_id__in=content_types).values_list(
        "revision_id", "content_type_id", "object_id", "serialized_data", "format"
    )
    for revision_id, content_type_id, object_id, data, data_format in rows:
        if data_format != "json":
            continue
        (record,) = json.loads(data)
        name = content_types[content_type_id]
        if name == "article":
            if str(object_id) == str(article_pk):
                snapshots[revision_id]["article"] = record
        elif record["fields"].get("article") == article_pk:
            snapshots[revision_id]["children"][name].append(record)
    return {rid: snapshot for rid, snapshot in snapshots.items() if snapshot["article"] is not None}
