"""Reading content files for the importers: every problem is a ContentError saying `PATH:LINE: message`."""

import re
import tomllib
from pathlib import Path

from django.core.exceptions import ValidationError

from .images import PLACEHOLDER, alt_text_problem, inspect_image, placeholder_image


class ContentError(Exception):
    """A problem in a content file, with the file and line it is on."""

    def __init__(self, path, line, message):
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")


def read_text(path) -> str:
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, 0, "file not found.") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, 0, f"not UTF-8 text ({exc.reason}).") from None
    except OSError as exc:
        raise ContentError(path, 0, f"cannot be read ({exc.strerror}).") from None


def load_toml(path, text: str, first_line: int = 1) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = first_line + int(match.group(1)) - 1 if match else first_line
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ContentError(path, line, f"malformed TOML: {message}.") from None


def key_line(text: str, key: str, first_line: int = 1, start: int = 0) -> int:
    """Best-effort line number of `key = …` in TOML text (for messages)."""
    for number, line in enumerate(text.splitlines()[start:], start=start):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return first_line + number
    return first_line


def load_image(path: Path, src: str, alt: str, line: int, base_dir: Path, label_alt: str = "") -> bytes:
    """The bytes of an image reference: a file beside the content, or an original placeholder."""
    placeholder = PLACEHOLDER.match(src)
    if placeholder:
        width, height = int(placeholder.group(1)), int(placeholder.group(2))
        if not (16 <= width <= 4000 and 16 <= height <= 4000):
            raise ContentError(path, line, f"placeholder size {width}x{height} is outside 16-4000 pixels.")
        return placeholder_image(width, height, label_alt or alt)
    file = (base_dir / src).resolve()
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ContentError(path, line, f"image file {src} not found (looked in {file}).") from None
    except OSError as exc:
        raise ContentError(path, line, f"image file {src} cannot be read ({exc.strerror}).") from None
    try:
        inspect_image(data)
    except ValidationError as exc:
        raise ContentError(path, line, f"image file {src}: {' '.join(exc.messages)}") from None
    return data


def check_alt(path, line, alt: str, what: str, src: str = ""):
    """The models' alt-text rule (core.images.alt_text_problem), reported as PATH:LINE: message."""
    if not alt or not alt.strip():
        raise ContentError(path, line, f"{what} has no alt text: describe what it shows.")
    problem = alt_text_problem(alt, src)
    if problem:
        raise ContentError(path, line, f"alt text of {what}: {problem}")


def toml_records(path, key: str, allowed: set, required: set):
    """(line, record, text) for each [[key]] table of a TOML file, checking its keys against `allowed` and `required`."""
    path = Path(path)
    text = read_text(path)
    records = load_toml(path, text).get(key)
    if not isinstance(records, list) or not records:
        raise ContentError(path, 1, f"expected one or more [[{key}]] tables.")
    starts = [n for n, line in enumerate(text.splitlines()) if line.strip() == f"[[{key}]]"]
    for index, record in enumerate(records):
        line = starts[index] + 1 if index < len(starts) else 1
        unknown = sorted(set(record) - allowed)
        if unknown:
            raise ContentError(path, key_line(text, unknown[0], start=line - 1), f"unknown key '{unknown[0]}'.")
        missing = sorted(required - set(record))
        if missing:
            raise ContentError(path, line, f"[[{key}]] entry lacks '{missing[0]}'.")
        yield line, record, text
