"""
Images: validation, content-addressed storage and original placeholders.

Stored names come from the bytes (sha256), so importing the same picture twice
reuses one file and an export/import round trip keeps every image URL.
"""

import hashlib
import io
import random
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # 40 megapixels: far above any photo we publish, far below a bomb
MAX_BYTES = 10 * 1024 * 1024
PLACEHOLDER = re.compile(r"^placeholder:(\d{2,4})x(\d{2,4})$")


def inspect_image(data: bytes) -> str:
    """Return the file extension for image bytes, or raise ValidationError saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The image is {len(data) // 1024 // 1024} MB; the limit is 10 MB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels."
                )
            img.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("The image has too many pixels to be opened safely.")
    except Exception:
        raise ValidationError("The file is not an image Pillow can read (use JPEG, PNG or WebP).")
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(f"{fmt} images are not accepted: use JPEG, PNG or WebP.")
    return ALLOWED_FORMATS[fmt]


def validate_image_file(field_file):
    """Model-field validator: a real JPEG, PNG or WebP within the size limits."""
    if getattr(field_file, "_committed", False):
        return  # stored already, checked when it came in: re-saving a form must not reopen it
    file = getattr(field_file, "file", field_file)
    if file is None:
        return
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    data = file.read()
    file.seek(position)
    inspect_image(data)


def store_image(data: bytes, folder: str) -> str:
    """Save image bytes under a name derived from their content and return the storage name."""
    ext = inspect_image(data)
    name = f"{folder.strip('/')}/{hashlib.sha256(data).hexdigest()[:20]}.{ext}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        assert saved == name, f"storage renamed {name} to {saved}"
    return name


def placeholder_image(width: int, height: int, label: str) -> bytes:
    """An original JPEG placeholder, the same bytes for the same size and label."""
    rng = random.Random(f"{width}x{height}:{label}")
    palettes = [
        ((241, 236, 228), (214, 92, 44)),
        ((232, 238, 242), (32, 78, 112)),
        ((236, 242, 234), (64, 112, 72)),
        ((244, 236, 240), (128, 58, 92)),
    ]
    background, accent = rng.choice(palettes)
    img = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        radius = rng.randint(min(width, height) // 8, min(width, height) // 2)
        x, y = rng.randint(0, width), rng.randint(0, height)
        tint = tuple(int(b + (a - b) * 0.18) for a, b in zip(accent, background))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tint)
    draw.rectangle((0, height - height // 40 - 4, width, height), fill=accent)
    font_size = max(14, min(width, height) // 18)
    font = ImageFont.load_default(size=font_size)
    words, lines, line = label.split(), [], ""
    max_chars = max(10, int(width * 0.8 / (font_size * 0.55)))
    for word in words:
        if len(line) + len(word) + 1 > max_chars and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    y = height // 2 - len(lines) * font_size * 0.65
    for text in lines[:6]:
        text_width = draw.textlength(text, font=font)
        draw.text(((width - text_width) / 2, y), text, fill=accent, font=font)
        y += font_size * 1.3
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def rendition(data: bytes, width: int, height: int, folder: str) -> str:
    """A JPEG of `data` cropped to fill width×height exactly, stored by content; returns its name."""
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        scale = max(width / img.width, height / img.height)
        resized = img.resize((max(width, round(img.width * scale)), max(height, round(img.height * scale))), Image.LANCZOS)
        left = (resized.width - width) // 2
        top = (resized.height - height) // 2
        cropped = resized.crop((left, top, left + width, top + height))
        buffer = io.BytesIO()
        cropped.save(buffer, format="JPEG", quality=85, optimize=True)
    return store_image(buffer.getvalue(), folder)
