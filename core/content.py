"""
Reading content files for the importers: every problem is a ContentError saying `PATH:LINE: message`.

A content file may come from anywhere (an old export, a spreadsheet, a careless
copy), so everything here is bounded: file sizes, rows, nesting, the work
Markdown may cause, and image files, which must be regular files inside the
content file's folder. docs/content-format.md lists the limits.
"""

import csv
import io
import os
import re
import stat
import tomllib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models
from PIL import Image

from .images import MAX_BYTES as MAX_IMAGE_BYTES
from .images import PLACEHOLDER, alt_text_problem, inspect_image, placeholder_image
from .richtext import markdown_to_html
from .slugs import slug_problem

MAX_TEXT_BYTES = 512 * 1024  # an article or TOML file: 25 times the seed article
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 100_000
MAX_RECORDS = 1_000  # [[authors]] or [[products]] tables in one file
MAX_NESTING = 10  # TOML arrays and inline tables; Markdown lists and quotes
MAX_KEY_PARTS = 10  # a.b.c = … (tomllib needs memory growing with the square of the parts)
# Python-Markdown reads the rest of a paragraph for each "[" (looking for its "]"):
# the sum over paragraphs of "[" count × paragraph length is bounded per file.
MAX_BRACKET_WORK = 2_000_000
MAX_HTML_TAGS = 200  # raw HTML in Markdown, each closed by ">" within HTML_TAG_REACH characters
HTML_TAG_REACH = 2_000  # a long address in <https://…> fits
MAX_MESSAGES = 20  # problems shown from one file; the count of the rest follows
# The pictures of one file, placeholders included: checking (decoding) and storing
# each with its renditions takes time in proportion to its pixels.
MAX_FILE_PIXELS = 200_000_000

# C0 and C1 control characters other than tab and line feed; NUL above all
# (PostgreSQL refuses it in text). A lone carriage return counts too.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


MESSAGE_LENGTH = 500  # a message quoting a 5,000-character value is cut here


def _printable(text: str) -> str:
    """`text` on one line, control characters written as escapes, at most MESSAGE_LENGTH long."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\n", "\\n"))
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def quoted(value, limit: int = 60) -> str:
    """`value` for a message: printable, and shortened when long."""
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value).replace("\n", "\\n"))
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit]}…' ({len(text):,} characters)"


class ContentError(Exception):
    """Problems in a content file, each with the file and line it is on (`problems`, sorted by line)."""

    def __init__(self, path, line, message):
        self.path, self.line, self.message = str(path), line, _printable(message)
        self.problems = [(line, self.message)]
        super().__init__(self._where(line, self.message))

    def _where(self, line, message):
        return f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"

    @classmethod
    def collected(cls, path, problems) -> "ContentError":
        """One error reporting every (line, message) in `problems`, first line first."""
        problems = sorted(problems, key=lambda problem: problem[0])
        error = cls(path, *problems[0])
        error.problems = [(line, _printable(message)) for line, message in problems]
        lines = [error._where(line, message) for line, message in error.problems[:MAX_MESSAGES]]
        if len(problems) > MAX_MESSAGES:
            lines.append(f"{error.path}: … and {len(problems) - MAX_MESSAGES:,} more problems.")
        error.args = ("\n".join(lines),)
        return error


class Problems:
    """A file's problems, collected so that one run reports them all; raise_any() raises them as one ContentError."""

    def __init__(self, path):
        self.path = Path(path)
        self.items = []

    def add(self, line: int, message: str):
        self.items.append((line, message))

    def add_error(self, error: ContentError):
        self.items.extend(error.problems)

    def take_slug(self, seen: dict, slug, *, line: int, slug_line: int, what: str) -> bool:
        """Return True if `slug` (of the `what` whose table starts on `line`) is usable and new in this file,
        recording it in `seen` {slug: line}; else add the problem and return False."""
        if problem := slug_problem(slug):
            self.add(slug_line, f"slug: {problem}")
            return False
        if slug in seen:
            self.add(line, f"{what} {quoted(slug)} appears already on line {seen[slug]}.")
            return False
        seen[slug] = line
        return True

    def add_model(self, line_of, instance, fields, what=""):
        """Add the rules of `instance`'s `fields` that it breaks; `line_of(field_name)` says where each field is."""
        for name, message in model_problems(instance, fields):
            self.add(line_of(name), f"{what}{name}: {message}")

    def raise_any(self):
        if self.items:
            raise ContentError.collected(self.path, self.items)


def model_problems(instance, fields) -> list[tuple[str, str]]:
    """(field name, message) for each rule of the model's own `fields` that `instance` breaks.

    Model.clean_fields() (max_length, choices, validators, blank), and what it
    leaves to forms or to the database: text fields must hold text, TextField's
    max_length, and no control characters (PostgreSQL refuses NUL; SQLite
    stores it and everything else).
    """
    problems = []
    skip = {field.name for field in instance._meta.concrete_fields} - set(fields)
    for field in instance._meta.concrete_fields:
        if field.name in skip or not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append((field.name, f"must be text, not {type(value).__name__}."))
        elif bad := CONTROL.search(value):
            problems.append((field.name, f"holds the control character U+{ord(bad.group()):04X}: remove it."))
        elif isinstance(field, models.TextField) and field.max_length and len(value) > field.max_length:
            problems.append(
                (field.name, f"Ensure this value has at most {field.max_length} characters (it has {len(value)}).")
            )
        else:
            continue
        skip.add(field.name)
    try:
        instance.clean_fields(exclude=skip)
    except ValidationError as exc:
        problems.extend((name, message) for name, messages in exc.message_dict.items() for message in messages)
    return problems


def _open_regular(path: Path, what: str, where: tuple, follow_links: bool = True):
    """A file descriptor of `path` if it is a regular file (never a device, pipe or folder)."""
    source, line = where
    # O_NONBLOCK: opening a named pipe must not wait for a writer; it is refused just below.
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ContentError(source, line, f"{what} not found.") from None
    except OSError as exc:
        raise ContentError(source, line, f"{what} cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ContentError(source, line, f"{what} is not a regular file (a folder, device or pipe).")
    return fd


def _read_at_most(fd, limit: int) -> bytes:
    """Up to limit + 1 bytes: one more than allowed tells that the file is too large."""
    chunks, size = [], 0
    with os.fdopen(fd, "rb") as stream:
        while size <= limit and (chunk := stream.read(min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


def read_text(path, limit: int = MAX_TEXT_BYTES) -> str:
    """The text of a UTF-8 file (a BOM is allowed), with \\n line ends, at most `limit` bytes."""
    path = Path(path)
    data = _read_at_most(_open_regular(path, "file", (path, 0)), limit)
    if len(data) > limit:
        raise ContentError(path, 1, f"the file is larger than {limit // 1024:,} KB, the limit for this kind of file.")
    return decode_text(path, data)


def decode_text(path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContentError(path, 1, "the file is UTF-16 text: save it as UTF-8.")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ContentError(path, line, "the file holds NUL bytes: it is binary, or UTF-16 text; save it as UTF-8 text.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02X}): save the file as UTF-8."
        ) from None
    text = text.replace("\r\n", "\n")
    if bad := CONTROL.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        raise ContentError(path, line, f"the control character U+{ord(bad.group()):04X} has no place in a text file.")
    return text


def split_lines(text: str) -> list[str]:
    """The file's lines. Only \\n ends one: str.splitlines() also splits at U+2028 and other separators."""
    return text.split("\n")


_TOML_TOKEN = re.compile(r"\"\"\"|'''|[\"'#\[\]{}\n.]")
_TOML_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*"')
_TOML_MULTILINE_BASIC = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)


def _toml_shape_problem(text: str) -> tuple[int, str] | None:
    """(line, message) if TOML text nests deeper than MAX_NESTING or has keys of more than MAX_KEY_PARTS parts.

    tomllib recurses for each level (RecursionError) and needs memory growing
    with the square of a dotted key's parts, so this is checked before it runs.
    Strings and comments are skipped; what else is malformed is tomllib's to say.
    """
    depth, line, parts, pos = 0, 1, 0, 0
    while match := _TOML_TOKEN.search(text, pos):
        token, pos = match.group(), match.end()
        if token == "\n":
            line, parts = line + 1, 0
        elif token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line, f"arrays and tables nest at most {MAX_NESTING} deep."
        elif token in "]}":
            depth = max(0, depth - 1)
        elif token == ".":
            numeric = text[match.start() - 1 : match.start()].isdigit() and text[pos : pos + 1].isdigit()
            parts += not numeric
            if parts >= MAX_KEY_PARTS:
                return line, f"a dotted key has at most {MAX_KEY_PARTS} parts."
        else:
            if token == "#" or token == "'":
                end = text.find("\n" if token == "#" else "'", pos)
            elif token == "'''":
                end = text.find("'''", pos)
                end = end + 3 if end >= 0 else -1
            else:
                found = (_TOML_MULTILINE_BASIC if token == '"""' else _TOML_BASIC).match(text, pos)
                end = found.end() if found else -1
            if end < 0:
                return None  # an unclosed string: tomllib says where
            line += text.count("\n", pos, end) if token != "#" else 0
            pos = end
    return None


def load_toml(path, text: str, first_line: int = 1) -> dict:
    problem = _toml_shape_problem(text)
    if problem:
        raise ContentError(path, first_line + problem[0] - 1, problem[1])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ContentError(path, line, f"malformed TOML: {message}.") from None
    except RecursionError:
        raise ContentError(path, first_line, f"arrays and tables nest at most {MAX_NESTING} deep.") from None


_TABLE_HEADER = re.compile(r"^\s*\[\[?[^\[\]]+\]\]?\s*(#.*)?$")


def key_line(lines: list[str], key: str, first_line: int = 1, start: int = 0) -> int:
    """Best-effort line number of `key = …` in TOML text split into `lines` (for messages), looking
    from line `start` (0-based) to the next table header. Callers split the text once per file."""
    for number in range(start, len(lines)):
        line = lines[number]
        if number > start and _TABLE_HEADER.match(line):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return first_line + number
    return first_line + start if start else first_line


_BLANK = re.compile(r"^[ \t]*$")
_NESTING_MARK = re.compile(r">[ \t]*|(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
_CLOSING = {"<!--": "-->", "<![": "]]>", "<?": "?>"}


class Markdown:
    """Renders a file's Markdown, refusing what Python-Markdown would recurse on or take minutes over.

    The limits add up over every Markdown text of one file (introduction,
    sections, FAQ answers, bios).
    """

    def __init__(self, path):
        self.path = path
        self.bracket_work = 0
        self.tags = 0

    def check(self, first_line: int, text: str):
        if bad := CONTROL.search(text):  # from a TOML escape: the file itself has none
            line = first_line + text.count("\n", 0, bad.start())
            raise ContentError(self.path, line, f"the control character U+{ord(bad.group()):04X} has no place in text.")
        block_start, block = first_line, []
        for number, line in enumerate([*split_lines(text), ""], start=first_line):
            if _BLANK.match(line):
                if block:
                    length = sum(len(part) + 1 for part in block)
                    self.bracket_work += sum(part.count("[") for part in block) * length
                    if self.bracket_work > MAX_BRACKET_WORK:
                        raise ContentError(
                            self.path,
                            block_start,
                            "too many '[' in long paragraphs: split the paragraph, or write \\[ for a bracket "
                            "that starts no link (docs/content-format.md, Limits).",
                        )
                block_start, block = number + 1, []
                continue
            block.append(line)
            self._check_line(number, line)

    def _check_line(self, number, line):
        stripped = line.expandtabs(4).lstrip(" ")
        depth, pos = (len(line.expandtabs(4)) - len(stripped)) // 4, 0
        while mark := _NESTING_MARK.match(stripped, pos):
            depth, pos = depth + 1, mark.end()
        if depth > MAX_NESTING:
            raise ContentError(self.path, number, f"lists and quotes nest (or indent) at most {MAX_NESTING} levels.")
        for tag in _TAG_OPEN.finditer(line):
            self.tags += 1
            if self.tags > MAX_HTML_TAGS:
                raise ContentError(self.path, number, f"a file may hold at most {MAX_HTML_TAGS} raw HTML tags.")
            opening = line[tag.start() : tag.start() + 4]
            closing = next((end for start, end in _CLOSING.items() if opening.startswith(start)), ">")
            if line.find(closing, tag.end(), tag.start() + HTML_TAG_REACH) < 0:
                raise ContentError(
                    self.path,
                    number,
                    f"'{tag.group()}' opens an HTML tag that '{closing}' does not close within {HTML_TAG_REACH} "
                    "characters on this line: write &lt; for a less-than sign.",
                )

    def render(self, first_line: int, text: str, strip: bool = True) -> str:
        """Sanitized HTML of `text` (stripped first), which starts on `first_line` of the file. Raises ContentError."""
        self.check(first_line, text)
        try:
            return markdown_to_html(text.strip() if strip else text)
        except RecursionError:
            raise ContentError(self.path, first_line, "this Markdown nests too deeply to be read.") from None


class PixelBudget:
    """The pixels of the images one content file names, at most MAX_FILE_PIXELS."""

    def __init__(self):
        self.pixels = 0

    def spend(self, path, line, width: int, height: int):
        self.pixels += width * height
        if self.pixels > MAX_FILE_PIXELS:
            raise ContentError(
                path, line, f"the images of one file may have at most {MAX_FILE_PIXELS // 1_000_000} megapixels in all."
            )


def load_image(
    path: Path, src: str, alt: str, line: int, base_dir: Path, label_alt: str = "", budget: PixelBudget | None = None
) -> bytes:
    """The bytes of an image reference: a regular file inside `base_dir` (the content file's folder,
    symbolic links resolved), at most 10 MB, or an original placeholder. `budget` counts their pixels."""
    budget = budget or PixelBudget()
    if not isinstance(src, str):
        raise ContentError(path, line, f"an image is named by a text path, not a {type(src).__name__}.")
    placeholder = PLACEHOLDER.match(src)
    if placeholder:
        width, height = int(placeholder.group(1)), int(placeholder.group(2))
        if not (16 <= width <= 4000 and 16 <= height <= 4000):
            raise ContentError(path, line, f"placeholder size {width}x{height} is outside 16-4000 pixels.")
        budget.spend(path, line, width, height)
        return placeholder_image(width, height, label_alt or alt)
    name = _printable(src) if len(src) <= 100 else quoted(src)
    if CONTROL.search(src):
        raise ContentError(path, line, f"image path {name} holds a control character.")
    if not src or os.path.isabs(src) or src.startswith("~"):
        raise ContentError(path, line, f"image path {name} must be relative to the folder of {Path(path).name}.")
    root = Path(base_dir).resolve()
    file = (root / src).resolve()
    if not file.is_relative_to(root):
        raise ContentError(path, line, f"image file {name} is outside {root}: keep images in the content's folder.")
    # The path is resolved: a link swapped in meanwhile is refused, not followed.
    fd = _open_regular(file, f"image file {name}", (path, line), follow_links=False)
    data = _read_at_most(fd, MAX_IMAGE_BYTES)
    if len(data) > MAX_IMAGE_BYTES:
        raise ContentError(path, line, f"image file {name} is larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB.")
    try:
        with Image.open(io.BytesIO(data)) as img:  # the header only: cheap, before decoding
            budget.spend(path, line, *img.size)
    except ContentError:
        raise
    except Exception:  # Pillow's plugins raise many kinds; inspect_image() says what is wrong
        pass
    try:
        inspect_image(data)
    except ValidationError as exc:
        raise ContentError(path, line, f"image file {name}: {' '.join(exc.messages)}") from None
    return data


def check_alt(path, line, alt: str, what: str, src: str = ""):
    """The models' alt-text rule (core.images.alt_text_problem), reported as PATH:LINE: message."""
    if not isinstance(alt, str) or not alt.strip():
        raise ContentError(path, line, f"{what} has no alt text: describe what it shows.")
    problem = alt_text_problem(alt, src if isinstance(src, str) else "")
    if problem:
        raise ContentError(path, line, f"alt text of {what}: {problem}")


def toml_records(path, key: str, allowed: set, required: set):
    """(line, record, lines) for each [[key]] table of a TOML file, checking its keys against `allowed` and `required`.

    `lines` is the file split into lines, for key_line()."""
    path = Path(path)
    text = read_text(path)
    data = load_toml(path, text)
    lines = split_lines(text)
    records = data.get(key)
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise ContentError(path, 1, f"expected one or more [[{key}]] tables.")
    for other in sorted(set(data) - {key}):
        raise ContentError(path, key_line(lines, other), f"unknown key {quoted(other)} outside the [[{key}]] tables.")
    if len(records) > MAX_RECORDS:
        raise ContentError(path, 1, f"{len(records):,} [[{key}]] tables; a file may hold at most {MAX_RECORDS:,}.")
    starts = [n for n, line in enumerate(lines) if line.strip() == f"[[{key}]]"]
    problems = Problems(path)
    for index, record in enumerate(records):
        line = starts[index] + 1 if index < len(starts) else 1
        for unknown in sorted(set(record) - allowed):
            problems.add(key_line(lines, unknown, start=line - 1), f"unknown key {quoted(unknown)}.")
        for missing in sorted(required - set(record)):
            problems.add(line, f"[[{key}]] entry lacks '{missing}'.")
    problems.raise_any()
    for index, record in enumerate(records):
        yield (starts[index] + 1 if index < len(starts) else 1), record, lines


def csv_rows(path, text: str, columns: list, required: list) -> list[tuple[int, dict]]:
    """(line, row) for each record of CSV text, checking the header and the shape of every row.

    The header may name only `columns`, each once, and must name `required`;
    each row has as many fields as the header; a quoted field left open at the
    end of the file is refused, not imported as it stands.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ContentError(
            path, 1, f"the file is empty: its first line names the columns ({', '.join(columns)})."
        ) from None
    except csv.Error as exc:
        raise ContentError(path, 1, f"malformed CSV header: {exc}.") from None
    for index, name in enumerate(header):
        if name in header[:index]:
            raise ContentError(path, 1, f"column {quoted(name)} appears twice in the header.")
        if name not in columns:
            raise ContentError(path, 1, f"unknown column {quoted(name)} (the columns are {', '.join(columns)}).")
    missing = [name for name in required if name not in header]
    if missing:
        raise ContentError(path, 1, f"the header lacks {', '.join(missing)}.")
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ContentError(path, line, f"malformed CSV: {exc}.") from None
        if not values:
            continue  # a blank line
        if len(values) != len(header):
            raise ContentError(path, line, f"{len(values)} fields, where the header names {len(header)}.")
        if len(rows) == MAX_CSV_ROWS:
            raise ContentError(path, line, f"a file may hold at most {MAX_CSV_ROWS:,} rows.")
        rows.append((line, dict(zip(header, values, strict=True))))
    return rows
