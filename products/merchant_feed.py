"""
Reading the shop's product feed: Google Merchant Center's product data specification, as TSV or as XML
(RSS 2.0 with the g: namespace). Every problem is reported as PATH:LINE (core.content.ContentError).

Only the attributes below are read; the specification's others (shipping, tax, ...) are skipped. Offers
sharing an item_group_id are the variants of one product; an offer without one is a product by itself.
XML is parsed by defusedxml: a feed declaring a DTD or an entity is refused, so it cannot expand
entities (billion laughs) or make the parser read other files or addresses (XXE).
"""

import csv
import io
import ipaddress
import re
import socket
import urllib.error
import urllib.request
import xml.sax
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml.common import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.content import MAX_CSV_BYTES, MAX_CSV_ROWS, ContentError, Problems, quoted, read_text
from core.images import MAX_BYTES as MAX_IMAGE_BYTES
from core.images import inspect_image

from .models import Availability, Product

G_NS = "http://base.google.com/ns/1.0"
MAX_FEED_BYTES = MAX_CSV_BYTES
MAX_OFFERS = MAX_CSV_ROWS
FETCH_TIMEOUT = 10  # seconds per image
REQUIRED = ["id", "title", "link", "image_link", "price", "availability"]
FIELDS = {
    *REQUIRED,
    "item_group_id",
    "description",
    "additional_image_link",
    "sale_price",
    "gtin",
    "mpn",
    "size",
    "width",  # not in the specification: shoe widths (Regular, Wide) as the shop exports them
    "color",
    "brand",
    "gender",
    "product_type",
    "google_product_category",
    "custom_label_0",  # the product line (ATOM, QUANTUM 2.0), when the title does not start with it
}
PRICE = re.compile(r"^(?:(\d{1,6}(?:\.\d{1,2})?)\s*([A-Za-z]{3})|([A-Za-z]{3})\s*(\d{1,6}(?:\.\d{1,2})?))$")
GENDERS = {"female": Product.Gender.WOMEN, "male": Product.Gender.MEN, "unisex": Product.Gender.UNISEX}
# Words of product_type / google_product_category that name our categories, most specific first.
CATEGORY_WORDS = [
    ("trail", Product.Category.TRAIL),
    ("sandal", Product.Category.SANDALS),
    ("slide", Product.Category.SANDALS),
    ("boot", Product.Category.BOOTS),
    ("sneaker", Product.Category.SNEAKERS),
    ("athletic", Product.Category.SNEAKERS),
    ("casual", Product.Category.CASUAL),
]
# Our extension for feeds without photos (the demo): a placeholder picture of this size, "/label" naming the view.
PLACEHOLDER_LINK = re.compile(r"^placeholder:(\d{2,4})x(\d{2,4})(?:/([-a-z0-9]{1,40}))?$")
_url = URLValidator(schemes=["http", "https"])


@dataclass
class Offer:
    """One checked item of the feed (a variant), with the line it starts on."""

    line: int
    id: str
    group: str
    title: str
    description: str
    link: str
    images: list  # [(line, link)], image_link first
    price: Decimal
    currency: str
    sale_price: Decimal | None
    availability: str
    gtin: str = ""
    sku: str = ""
    size: str = ""
    width: str = ""
    colour: str = ""
    gender: str = ""
    category: str = ""
    product_line: str = ""
    lines: dict = field(default_factory=dict)  # attribute -> line, for messages

    @property
    def current_price(self):
        return self.sale_price if self.sale_price is not None else self.price


def read_feed(path) -> dict[str, list[Offer]]:
    """The feed's offers grouped by item_group_id, in feed order. Raises ContentError listing every problem."""
    path = Path(path)
    text = read_text(path, MAX_FEED_BYTES)
    is_xml = path.suffix.lower() == ".xml" or (path.suffix.lower() not in (".tsv", ".txt") and text.lstrip()[:1] == "<")
    items = _xml_items(path, text) if is_xml else _tsv_items(path, text)
    problems, groups, seen = Problems(path), {}, {}
    if not items:
        raise ContentError(path, 1, "the feed has no items.")
    for line, item in items:
        offer = _offer(path, line, item, problems, seen)
        if offer is not None:
            groups.setdefault(offer.group, []).append(offer)
    for offers in groups.values():
        currencies = {offer.currency for offer in offers}
        if len(currencies) > 1:
            problems.add(
                offers[0].line,
                f"the offers of group {quoted(offers[0].group)} are priced in {', '.join(sorted(currencies))}: "
                "one product has one currency.",
            )
    problems.raise_any()
    return groups


def _tsv_items(path, text) -> list[tuple[int, dict]]:
    """(line, {attribute: [(line, value)]}) for each row of a tab-separated feed; names as in the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=True)
    try:
        header = [_attribute(name) for name in next(reader)]
    except StopIteration:
        raise ContentError(path, 1, "the file is empty: its first line names the attributes (id, title, …).") from None
    except csv.Error as exc:
        raise ContentError(path, 1, f"malformed TSV header: {exc}.") from None
    for index, name in enumerate(header):
        if name in FIELDS and name in header[:index]:
            raise ContentError(path, 1, f"attribute {quoted(name)} appears twice in the header.")
    if missing := [name for name in REQUIRED if name not in header]:
        raise ContentError(path, 1, f"the header lacks {', '.join(missing)} (Merchant Center requires them).")
    items, problems = [], Problems(path)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ContentError(path, line, f"malformed TSV: {exc}.") from None
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.add(line, f"{len(values)} fields, where the header names {len(header)} (a tab too many or few?).")
            continue
        if len(items) == MAX_OFFERS:
            raise ContentError(path, line, f"a feed may hold at most {MAX_OFFERS:,} items.")
        item = {}
        for name, value in zip(header, values, strict=True):
            if name not in FIELDS or not value.strip():
                continue
            # In TSV, several additional images are one field, separated by commas.
            parts = value.split(",") if name == "additional_image_link" else [value]
            item.setdefault(name, []).extend((line, part.strip()) for part in parts if part.strip())
        items.append((line, item))
    problems.raise_any()
    return items


def _attribute(name: str) -> str:
    """A header's attribute name as the specification writes it: "g:item group id" is item_group_id."""
    return re.sub(r"\s+", "_", name.strip().lower().removeprefix("g:"))


class _FeedHandler(xml.sax.ContentHandler):
    """Collects the direct children of each <item>: the g: attributes and RSS's own title, link, description."""

    def __init__(self, path):
        super().__init__()
        self.path, self.items, self.depth = path, [], 0
        self.item, self.item_depth, self.attribute, self.text = None, 0, None, []

    def line(self):
        return self._locator.getLineNumber() if self._locator else 1

    def startElementNS(self, name, qname, attrs):
        self.depth += 1
        uri, local = name
        if self.item is None and local == "item" and not uri:
            if len(self.items) == MAX_OFFERS:
                raise ContentError(self.path, self.line(), f"a feed may hold at most {MAX_OFFERS:,} items.")
            self.item, self.item_depth, self.item_line = {}, self.depth, self.line()
        elif self.item is not None and self.depth == self.item_depth + 1 and uri in (None, "", G_NS):
            self.attribute, self.attribute_line, self.text = local, self.line(), []

    def characters(self, content):
        if self.attribute is not None:
            self.text.append(content)

    def endElementNS(self, name, qname):
        if self.item is not None and self.attribute is not None and self.depth == self.item_depth + 1:
            value = "".join(self.text).strip()
            if self.attribute in FIELDS and value:
                self.item.setdefault(self.attribute, []).append((self.attribute_line, value))
            self.attribute = None
        elif self.item is not None and self.depth == self.item_depth:
            self.items.append((self.item_line, self.item))
            self.item = None
        self.depth -= 1


def _xml_items(path, text) -> list[tuple[int, dict]]:
    handler = _FeedHandler(path)
    parser = DefusedExpatParser(namespaceHandling=1, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(handler)
    try:
        parser.parse(io.BytesIO(text.encode()))
    except xml.sax.SAXParseException as exc:
        raise ContentError(path, exc.getLineNumber(), f"malformed XML: {exc.getMessage()}.") from None
    except DefusedXmlException as exc:
        raise ContentError(
            path,
            handler.line(),
            f"the feed declares a DTD or entities ({type(exc).__name__}); a product feed needs neither, "
            "and they are refused so the file cannot expand or fetch anything.",
        ) from None
    return handler.items


def _offer(path, line, item, problems, seen) -> Offer | None:
    """The checked offer of one item, or None after adding its problems."""
    count = len(problems.items)

    def value(name):
        values = item.get(name)
        return values[0][1] if values else ""

    def line_of(name):
        values = item.get(name)
        return values[0][0] if values else line

    for name in REQUIRED:
        if not value(name):
            problems.add(line, f"{name} is missing (Merchant Center requires it).")
    offer_id = value("id")
    if offer_id:
        if len(offer_id) > 50:
            problems.add(line_of("id"), f"id {quoted(offer_id)} is longer than 50 characters.")
        elif offer_id in seen:
            problems.add(line_of("id"), f"id {quoted(offer_id)} appears already on line {seen[offer_id]}.")
        else:
            seen[offer_id] = line
    group = value("item_group_id") or offer_id
    if len(group) > 50:
        problems.add(line_of("item_group_id"), f"item_group_id {quoted(group)} is longer than 50 characters.")
    price, currency = _price(problems, line_of("price"), "price", value("price"))
    sale_price, sale_currency = _price(problems, line_of("sale_price"), "sale_price", value("sale_price"))
    if sale_price is not None and price is not None:
        if sale_currency != currency:
            problems.add(line_of("sale_price"), f"sale_price is in {sale_currency}, the price in {currency}.")
        elif sale_price >= price:
            problems.add(line_of("sale_price"), f"sale_price {sale_price} is not below the price {price}.")
    availability = value("availability").lower().replace(" ", "_").replace("-", "_")
    if value("availability") and availability not in Availability.values:
        problems.add(
            line_of("availability"),
            f"availability {quoted(value('availability'))} is not one of {', '.join(Availability.values)}.",
        )
    for name in ("link",):
        if value(name) and (problem := _url_problem(value(name))):
            problems.add(line_of(name), f"{name} {quoted(value(name))}: {problem}")
    images = [*item.get("image_link", [])[:1], *item.get("additional_image_link", [])[:10]]
    for image_line, link in images:
        if not PLACEHOLDER_LINK.match(link) and (problem := _url_problem(link)):
            problems.add(image_line, f"image {quoted(link)}: {problem}")
    gtin = value("gtin").replace(" ", "").replace("-", "")
    if gtin and not _gtin_valid(gtin):
        problems.add(line_of("gtin"), f"gtin {quoted(value('gtin'))} is not a GTIN-8, -12, -13 or -14 (check digit).")
    gender = value("gender").lower()
    if gender and gender not in GENDERS:
        problems.add(line_of("gender"), f"gender {quoted(value('gender'))} is not male, female or unisex.")
    kind = f"{value('product_type')} {value('google_product_category')}".lower()
    category = next((category for word, category in CATEGORY_WORDS if word in kind), "")
    for name, limit in (("size", 40), ("width", 40), ("color", 100), ("mpn", 70), ("title", 200)):
        if len(value(name)) > limit:
            problems.add(line_of(name), f"{name} is longer than {limit} characters.")
    if len(problems.items) > count:
        return None
    return Offer(
        line=line,
        id=offer_id,
        group=group,
        title=value("title"),
        description=value("description"),
        link=value("link"),
        images=images,
        price=price,
        currency=currency,
        sale_price=sale_price,
        availability=availability,
        gtin=gtin,
        sku=value("mpn"),
        size=value("size"),
        width=value("width"),
        colour=value("color"),
        gender=GENDERS.get(gender, ""),
        category=category,
        product_line=value("custom_label_0"),
        lines={name: line_of(name) for name in item},
    )


def _price(problems, line, name, raw) -> tuple[Decimal | None, str]:
    """(amount, ISO code) of "89.99 USD"; (None, "") when blank or, after adding the problem, wrong."""
    if not raw:
        return None, ""
    match = PRICE.match(raw.strip())
    if not match:
        if re.fullmatch(r"\d+(\.\d+)?", raw.strip()):
            problems.add(line, f"{name} {quoted(raw)} lacks its currency: write it as “{raw.strip()} USD”.")
        else:
            problems.add(line, f"{name} {quoted(raw)} is not an amount and an ISO currency code, e.g. “89.99 USD”.")
        return None, ""
    amount = match.group(1) or match.group(4)
    return Decimal(amount).quantize(Decimal("0.01")), (match.group(2) or match.group(3)).upper()


def _url_problem(link: str) -> str | None:
    if len(link) > 500:
        return "an address is at most 500 characters."
    try:
        _url(link)
    except ValidationError:
        return "not an http:// or https:// address."
    return None


def _gtin_valid(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in gtin]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


class ForbiddenHost(ValueError):
    """An image address whose host is this machine or its private network, not named in the allow-list."""


def check_fetchable(link: str) -> None:
    """Refuse (ForbiddenHost) an address on loopback, private, link-local or other non-public networks.

    A feed comes from outside; without this, a line in it could make the server fetch
    its own admin, a cloud metadata service (169.254.169.254) or the office network
    and keep the answer as an "image". PRODUCT_FEED_IMAGE_HOSTS names hosts allowed
    anyway (a shop's own image server on the private network, the tests' 127.0.0.1).
    Every address the host resolves to is checked, and every redirect again; a DNS
    answer that changes between this check and the fetch is not caught.
    """
    host = (urlsplit(link).hostname or "").lower()
    if host in {h.strip().lower() for h in settings.PRODUCT_FEED_IMAGE_HOSTS if h.strip()}:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"the host {host!r} is not known ({exc})") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise ForbiddenHost(f"{host} is on a private or local network ({ip}); name it in PRODUCT_FEED_IMAGE_HOSTS")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise ForbiddenHost(f"a redirect to {newurl!r} leaves http(s)")
        check_fetchable(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_image(path, line, link: str) -> bytes:
    """The bytes of an image the feed links to, at most 10 MB in FETCH_TIMEOUT seconds, checked as an upload."""
    request = urllib.request.Request(link, headers={"User-Agent": "kuru-blog-feed-import/1"})
    opener = urllib.request.build_opener(_CheckedRedirects)
    try:
        check_fetchable(link)
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:  # http(s) checked, host public or allowed
            data = response.read(MAX_IMAGE_BYTES + 1)
    except ForbiddenHost as exc:
        raise ContentError(path, line, f"image {quoted(link)} is not fetched: {exc}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ContentError(path, line, f"image {quoted(link)} could not be fetched: {reason}.") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ContentError(path, line, f"image {quoted(link)} is larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB.")
    try:
        inspect_image(data)
    except ValidationError as exc:
        raise ContentError(path, line, f"image {quoted(link)}: {' '.join(exc.messages)}") from None
    return data
