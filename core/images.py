"""
Images: validation, content-addressed storage, renditions and original placeholders.

Stored names come from the bytes (sha256), so importing the same picture twice
reuses one file and an export/import round trip keeps every image URL.

Renditions (each width in RENDITION_WIDTHS up to the original's, as JPEG, WebP
and AVIF) are named after the source: `renditions/<source name>-<width>w.<ext>`.
Saving a model holding a new image stores the original only (`prepare_image`);
the renditions are made off-request by the task queue
(`core.tasks.make_image_renditions`, queued once the row is saved) or by
`manage.py make_renditions`, never while a page renders. Whoever makes them
records, format by format, the widths whose files exist on the image's row, in
a JSON object beside its width and height (`hero_width`, `hero_height`,
`hero_renditions`): `{"source": name, "jpg": [...], "webp": [...], "avif": [...]}`.
The `picture` tag derives the names from that record and reads no file: until
a format is recorded, pages show the formats that are (or the original).
"""

import contextlib
import contextvars
import hashlib
import io
import logging
import random
import re
from pathlib import PurePosixPath

from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

# MPO: the multi-picture JPEG some phones and cameras write; its first picture is kept.
ALLOWED_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp"}
STORED_FORMAT = {"MPO": "JPEG"}
MAX_PIXELS = 40_000_000  # 40 megapixels: far above any photo we publish, far below a bomb
MAX_SIDE = 16_383  # the longest side WebP can hold
MAX_BYTES = 10 * 1024 * 1024
PLACEHOLDER = re.compile(r"^placeholder:(\d{2,4})x(\d{2,4})$")
# From an avatar at 48 CSS pixels on a 3x screen to a hero on a wide 2x one.
RENDITION_WIDTHS = (160, 320, 640, 960, 1280, 1600)
# Made in this order, the fastest first, each format recorded as soon as its widths exist.
RENDITION_FORMATS = {
    "jpg": ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
    "webp": ("WEBP", {"quality": 80}),
    # libaom speed 8 (of 0-10) encodes the seed's 1600px figure ~3x faster than the default 6 for ~5% more
    # bytes; at quality 60 the seed's figures are ~15% smaller than the WebPs at 80 (README, "Images").
    "avif": ("AVIF", {"quality": 60, "speed": 8}),
}
# What browsers are offered first: <source> order in <picture>; the <img> takes the JPEGs.
SOURCE_TYPES = {"avif": "image/avif", "webp": "image/webp"}
# Metadata that can hold where a photo was taken or who took it: EXIF (GPS,
# camera serial, owner), XMP, IPTC (Photoshop APP13) and comments.
PERSONAL_METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment")
# What a PNG may keep: how to show it. Any other key is a text chunk (author, comment, software…).
PNG_TECHNICAL = {"icc_profile", "transparency", "gamma", "dpi", "aspect", "srgb", "chromaticity"}
BOMB_SIZE = re.compile(r"\((\d+) pixels\)")
# What a refused write or read raises: OSError on disk; on a bucket, boto3's errors
# (wrong keys, no such bucket, access denied, no connection).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)

logger = logging.getLogger(__name__)


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
            if max(width, height) > MAX_SIDE:
                raise ValidationError(
                    f"The image is {width}×{height} pixels; each side must be at most {MAX_SIDE:,} pixels."
                )
            if fmt != "MPO" and getattr(img, "is_animated", False):
                raise ValidationError("Animated images are not accepted: upload a still picture (JPEG, PNG or WebP).")
            img.verify()
        # verify() reads the structure only; decoding finds a file that was cut short.
        with Image.open(io.BytesIO(data)) as img:
            try:
                img.load()
            except OSError:
                raise ValidationError(
                    "The image file is incomplete (cut short): export or download it again."
                ) from None
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses before we can read the size: its message has the pixel count.
        declared = BOMB_SIZE.search(str(exc))
        size = f"declares {int(declared.group(1)):,} pixels" if declared else "declares far too many pixels"
        raise ValidationError(
            f"The image {size}; the limit is {MAX_PIXELS // 1_000_000} megapixels. A small file claiming "
            "such a size is a “decompression bomb” and is refused: export the picture again at its real size."
        ) from None
    except Exception:
        raise ValidationError("The file is not an image Pillow can read (use JPEG, PNG or WebP).") from None
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


class ImageUploadField(forms.ImageField):
    """An upload field that explains what is wrong (format, size, decompression bomb) before Django's
    generic "not an image or a corrupted image" check, and so before anything reads the picture's size."""

    def to_python(self, data):
        if self.max_length and len(getattr(data, "name", None) or "") > self.max_length:
            # The file is stored under a name made from its content, so a long original name (a camera's or
            # an export's) need not be refused: it is cut, keeping its extension, and the title is made from it.
            stem, dot, extension = data.name.rpartition(".")
            keep = self.max_length - len(dot + extension)
            data.name = stem[:keep] + dot + extension if dot and keep > 0 else data.name[: self.max_length]
        if data and getattr(data, "size", 0) > MAX_BYTES:
            raise ValidationError(f"The image is {data.size // 1024 // 1024} MB; the limit is 10 MB.")
        if data and hasattr(data, "read"):
            position = data.tell()
            data.seek(0)
            inspect_image(data.read())
            data.seek(position)
            check_storage_writable()
        return super().to_python(data)


def check_storage_writable():
    """Refuse an upload, with a message, when media storage cannot take a file (a read-only MEDIA_ROOT, a full disk,
    a bucket that refuses the keys or does not exist).

    Checked while the form is validated, so the admin shows the form again with
    everything typed kept, rather than failing with a 500 once the rows are saved.
    """
    try:
        probe = default_storage.save("renditions/.write-check", ContentFile(b""))
        default_storage.delete(probe)
    except STORAGE_ERRORS as exc:
        logger.error("Media storage refused a file: %s", exc)
        raise ValidationError(
            "The image could not be stored: the media storage refuses new files. Nothing was saved; "
            "ask an administrator to check it, then choose the image again (the rest of the form is kept)."
        ) from None


def end_of_image(data: bytes, fmt: str) -> int | None:
    """Where the picture's own bytes end (JPEG EOI, PNG IEND, WebP RIFF size), or None when unknown."""
    if fmt == "PNG":
        offset = 8
        while offset + 12 <= len(data):
            length, kind = int.from_bytes(data[offset : offset + 4], "big"), data[offset + 4 : offset + 8]
            offset += 12 + length
            if kind == b"IEND":
                return offset
        return None
    if fmt == "WEBP":
        size = int.from_bytes(data[4:8], "little")
        return 8 + size + (size & 1)
    if fmt in ("JPEG", "MPO"):
        offset = 2
        while offset + 4 <= len(data):
            if data[offset] != 0xFF:
                return None
            marker = data[offset + 1]
            if marker == 0xFF:  # fill byte
                offset += 1
            elif marker == 0xD9:
                return offset + 2
            elif 0xD0 <= marker <= 0xD7 or marker == 0x01:
                offset += 2
            else:
                offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
                if marker == 0xDA:  # start of scan: coded data until the next real marker
                    while (offset := data.find(b"\xff", offset)) != -1 and offset + 1 < len(data):
                        following = data[offset + 1]
                        if following != 0x00 and not 0xD0 <= following <= 0xD7:
                            break
                        offset += 2
                    if offset == -1:
                        return None
        return None
    return None


def _needs_cleaning(img, data: bytes) -> bool:
    if img.format == "MPO":
        return True
    if img.getexif() or any(key in img.info for key in PERSONAL_METADATA):
        return True
    if img.format == "PNG" and set(img.info) - PNG_TECHNICAL:
        return True  # text chunks: author, comment, software…
    end = end_of_image(data, img.format)
    return end is not None and end < len(data)  # bytes after the picture (a polyglot, a second frame)


def strip_metadata(data: bytes) -> bytes:
    """The picture turned upright, without EXIF, XMP, IPTC, text chunks, comments or trailing bytes.

    The same bytes when there is nothing to remove, so stored names stay stable.
    """
    with Image.open(io.BytesIO(data)) as img:
        if not _needs_cleaning(img, data):
            return data
        fmt = STORED_FORMAT.get(img.format, img.format)
        icc_profile = img.info.get("icc_profile")
        transparency = img.info.get("transparency")
        upright = ImageOps.exif_transpose(img)  # a new image: the first frame of an MPO
    upright.info = {}
    options = {"icc_profile": icc_profile, "exif": b""}
    if fmt == "PNG" and transparency is not None and upright.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = 92
    buffer = io.BytesIO()
    upright.save(buffer, format=fmt, **{k: v for k, v in options.items() if v is not None})
    return buffer.getvalue()


def content_name(data: bytes) -> tuple[str, bytes]:
    """(the file name image bytes are stored under in any folder, the bytes stored): made from the content
    without personal metadata, so the same picture always has the same name."""
    ext = inspect_image(data)
    cleaned = strip_metadata(data)
    if cleaned is not data:  # a new encoding (possibly a new format, e.g. MPO to JPEG): check that instead
        data, ext = cleaned, inspect_image(cleaned)
    return f"{hashlib.sha256(data).hexdigest()[:20]}.{ext}", data


def store_image(data: bytes, folder: str) -> str:
    """Save image bytes, without personal metadata, under a name derived from their content; return the name."""
    file_name, data = content_name(data)
    name = f"{folder.strip('/')}/{file_name}"
    _save_once(name, data)
    return name


# The names _save_once() writes inside written_files_removed_on_error(), if any.
_new_files = contextvars.ContextVar("new_files", default=None)


@contextlib.contextmanager
def tracking_written_files():
    """Yield the list of the names _save_once() writes inside the block (files that were not there before).

    An enclosing block still learns of them: an import's cleanup also removes the renditions made inside it.
    """
    new = []
    outer = _new_files.get()
    token = _new_files.set(new)
    try:
        yield new
    finally:
        _new_files.reset(token)
        if outer is not None:
            outer.extend(new)


def _save_once(name: str, data: bytes) -> None:
    """Store content-addressed bytes under `name` unless they are there already.

    Two processes may write the same file at once; the storage then renames the
    second copy, which is the same content, so that copy is removed.
    """
    if default_storage.exists(name):
        return
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:
        default_storage.delete(saved)
    elif (new := _new_files.get()) is not None:
        new.append(name)


@contextlib.contextmanager
def written_files_removed_on_error():
    """Delete the files that images, renditions and social crops wrote inside the block if it raises.

    For a write that must leave nothing behind when it fails (an import whose
    transaction rolls back). Files that were there before are never touched.
    """
    with tracking_written_files() as new:
        try:
            yield
        except BaseException:
            for name in reversed(new):
                default_storage.delete(name)
            raise


# prepare_image() leaves the image fields whose renditions are to be made under this instance attribute;
# core.tasks.queue_renditions() queues them once the row is saved (it has a pk then).
PENDING_RENDITIONS = "_renditions_pending"


def prepare_image(instance, field_name: str) -> None:
    """Before a model saves: store a new upload by content (upright, no location data); when the row's record
    of renditions is not complete for the image it holds, keep what it says of that image (nothing for a new one)
    and mark the renditions to be made off-request, once the row is saved (core.tasks.queue_renditions)."""
    field_file = getattr(instance, field_name)
    renditions = renditions_field(field_file.field)
    if not field_file:
        setattr(instance, renditions, [])
        return
    if not field_file._committed:
        field_file.open("rb")
        try:
            data = field_file.read()
        finally:
            field_file.close()
        folder = field_file.field.upload_to
        # Assigning the name (not the file) also refreshes the width and height fields.
        setattr(instance, field_name, store_image(data, folder if isinstance(folder, str) else "uploads"))
        field_file = getattr(instance, field_name)
    record = getattr(instance, renditions)
    if not (isinstance(record, dict) and record.get("source") == field_file.name):
        # Another image's record, or a list of widths from before AVIF (which names no source): start again.
        record = {"source": field_file.name}
        setattr(instance, renditions, record)
    if not renditions_complete(field_file, record):
        instance.__dict__.setdefault(PENDING_RENDITIONS, {})[field_name] = field_file.name


def renditions_complete(field_file, record) -> bool:
    """True when `record` lists every format at every width made for this image."""
    widths = rendition_widths(image_size(field_file)[0])
    return isinstance(record, dict) and all(record.get(ext) == widths for ext in RENDITION_FORMATS)


def renditions_field(field) -> str:
    """The name of the JSON field listing an image field's rendition widths: `hero_renditions` beside
    `hero_width`, `image_renditions` beside `image_width`."""
    return field.width_field.removesuffix("_width") + "_renditions"


def image_size(field_file) -> tuple[int | None, int | None]:
    """The original's width and height from the model's width/height fields (no file access)."""
    field = field_file.field
    instance = field_file.instance
    width = getattr(instance, field.width_field) if field.width_field else None
    height = getattr(instance, field.height_field) if field.height_field else None
    return width, height


def rendition_widths(width: int | None) -> list[int]:
    """The widths made for an original this wide: never wider than the original, which ends the list."""
    if not width:
        return []
    widths = [w for w in RENDITION_WIDTHS if w < width]
    if width <= RENDITION_WIDTHS[-1]:
        widths.append(width)
    return widths


def rendition_name(source_name: str, width: int, ext: str) -> str:
    """The storage name of one rendition, derived from the source's (content-addressed) name alone."""
    return f"{_rendition_stem(source_name)}{_rendition_suffix(width, ext)}"


def _rendition_stem(source_name: str) -> str:
    return f"renditions/{PurePosixPath(source_name).with_suffix('')}"


def _rendition_suffix(width: int, ext: str) -> str:
    return f"-{width}w.{ext}"


def make_renditions(field_file, formats=tuple(RENDITION_FORMATS)) -> list[str]:
    """Write the missing renditions (of `formats`, JPEG, WebP and AVIF by default) of a stored image;
    return the names written."""
    width, _height = image_size(field_file)
    if not width:
        width = field_file.width
    wanted = [(w, ext, rendition_name(field_file.name, w, ext)) for ext in formats for w in rendition_widths(width)]
    missing = [item for item in wanted if not default_storage.exists(item[2])]
    if not missing:
        return []
    with field_file.storage.open(field_file.name, "rb") as source:
        data = source.read()
    written = []
    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img)
        img, icc_profile = _as_srgb(img)
        has_alpha = "A" in img.mode or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
        for w, ext, name in missing:
            h = max(1, round(img.height * w / img.width))
            resized = img if (w, h) == img.size else img.resize((w, h), Image.LANCZOS, reducing_gap=3.0)
            fmt, options = RENDITION_FORMATS[ext]
            if fmt == "JPEG" and has_alpha:
                # JPEG has no transparency: flatten onto the page's white.
                flat = Image.new("RGB", resized.size, (255, 255, 255))
                flat.paste(resized, mask=resized.getchannel("A"))
                resized = flat
            buffer = io.BytesIO()
            resized.save(buffer, format=fmt, icc_profile=icc_profile, **options)
            _save_once(name, buffer.getvalue())
            written.append(name)
    return written


def _as_srgb(img):
    """(image in an 8-bit mode with RGB meaning, ICC profile to keep or None) for making renditions."""
    icc_profile = img.info.get("icc_profile")
    if img.mode.startswith("I"):
        # 16-bit greyscale: scale to 8 bits (a plain convert clips to white).
        return img.point(lambda value: value * (1 / 256)).convert("L"), None
    if img.mode == "CMYK":
        if icc_profile:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
                return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode="RGB"), None
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass  # a profile Little CMS cannot use: convert without it
        return img.convert("RGB"), None
    # A profile describes the colour space it came with: keep it for RGB pictures only.
    return img, icc_profile if img.mode in ("RGB", "RGBA", "P") else None


def stored_renditions(field_file) -> dict:
    """The record of the renditions of this image in storage (a stat per file): {"source": name, ext: widths}.

    For whoever writes renditions, to keep on the image's row; pages read that record instead.
    """
    widths = rendition_widths(image_size(field_file)[0])
    record = {"source": field_file.name}
    for ext in RENDITION_FORMATS:
        record[ext] = [w for w in widths if default_storage.exists(rendition_name(field_file.name, w, ext))]
    return record


def recorded_widths(field_file) -> dict[str, list[int]]:
    """{ext: widths} that the image's row records for the file it holds now (no file or database access).

    A record made for another file lists nothing; a plain list of widths (rows from before AVIF) means the
    WebP and JPEG renditions at those widths.
    """
    record = getattr(field_file.instance, renditions_field(field_file.field)) or {}
    if isinstance(record, list):
        return {"avif": [], "webp": record, "jpg": record}
    if record.get("source") != field_file.name:
        return {ext: [] for ext in RENDITION_FORMATS}
    return {ext: record.get(ext) or [] for ext in RENDITION_FORMATS}


def available_renditions(field_file) -> dict[str, list[tuple[str, int]]]:
    """{"avif": [(url, width), …], "webp": […], "jpg": […]}: the renditions the image's row records, narrowest first.

    Reads neither the storage nor the database: the record is a field of the instance.
    """
    widths = recorded_widths(field_file)
    if not any(widths.values()):
        return {ext: [] for ext in RENDITION_FORMATS}
    # A rendition's URL is its stem's URL plus the suffix, which needs no quoting: one
    # storage.url() per image instead of one per file (about 10 µs each, a dozen per picture).
    stem_url = default_storage.url(_rendition_stem(field_file.name))
    return {ext: [(stem_url + _rendition_suffix(w, ext), w) for w in found] for ext, found in widths.items()}


ALT_FILENAME = re.compile(r"\.(jpe?g|png|webp|gif|heic|heif|avif|tiff?|bmp|svg)$", re.IGNORECASE)
ALT_CAMERA = re.compile(
    r"^(img|image|dsc|dscn|dscf|dcim|pxl|gopr|mvimg|photo|pic|picture|screenshot|screen[ _-]?shot|scan)"
    r"[\s_-]*\d[\w-]*(\s*\(\d+\))?$",
    re.IGNORECASE,
)
# One "word" with an underscore, three digits in a row, or a lower-case slug: how files are named.
ALT_TOKEN = re.compile(r"^\S*(_|\d{3})\S*$|^[a-z0-9]+(-[a-z0-9]+){2,}$")
ALT_PLACEHOLDERS = {
    "image",
    "img",
    "photo",
    "picture",
    "pic",
    "hero",
    "figure",
    "avatar",
    "graphic",
    "banner",
    "thumbnail",
    "untitled",
    "alt",
    "alt text",
    "placeholder",
    "product",
    "product image",
    "hero image",
}
GOOD_ALT = (
    "Write a short sentence saying what the picture shows, for readers who cannot see it, "
    "e.g. “A runner stretching a calf against a wall.” A file name or a single word does not help them."
)


def alt_text_problem(alt: str, file_name: str = "") -> str | None:
    """Why `alt` cannot describe the picture (empty, a file or camera name, a placeholder word), or None."""
    text = (alt or "").strip()
    if not text:
        return f"Alt text is required. {GOOD_ALT}"
    lowered = text.lower()
    stem = PurePosixPath(file_name).name.lower() if file_name else ""
    own_name = stem and lowered in {stem, stem.rsplit(".", 1)[0]}
    if ALT_FILENAME.search(text) or ALT_CAMERA.match(text) or ALT_TOKEN.match(text) or own_name:
        return f"“{text}” looks like a file name, not a description. {GOOD_ALT}"
    if lowered.strip(".!") in ALT_PLACEHOLDERS:
        return f"“{text}” is a placeholder, not a description. {GOOD_ALT}"
    return None


def check_alt_text(instance, image_field: str, alt_field: str, errors: dict) -> None:
    """For model clean(): add an error for `alt_field` when the image is set and its alt text says nothing."""
    field_file = getattr(instance, image_field)
    if field_file:
        problem = alt_text_problem(getattr(instance, alt_field), field_file.name)
        if problem:
            errors[alt_field] = problem


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
        tint = tuple(int(b + (a - b) * 0.18) for a, b in zip(accent, background, strict=False))
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


def crop_box(size: tuple[int, int], target: tuple[int, int], focal: tuple[float, float] = (0.5, 0.5)) -> tuple:
    """The largest box of `size` with the aspect of `target`, centred on the focal point (fractions of the
    width and height) and moved as little as needed to stay inside the picture: (left, top, right, bottom)."""
    width, height = size
    aspect = target[0] / target[1]
    box_width, box_height = (width, width / aspect) if width / height < aspect else (height * aspect, height)
    fx, fy = (min(1.0, max(0.0, value)) for value in focal)
    left = min(max(fx * width - box_width / 2, 0), width - box_width)
    top = min(max(fy * height - box_height / 2, 0), height - box_height)
    return (round(left), round(top), round(left + box_width), round(top + box_height))


def rendition(data: bytes, width: int, height: int, folder: str, focal: tuple[float, float] = (0.5, 0.5)) -> str:
    """A JPEG of `data` cropped to fill width×height exactly around the focal point, stored by content;
    returns its name."""
    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        box = crop_box(img.size, (width, height), focal)
        cropped = img.resize((width, height), Image.LANCZOS, box=box)
        buffer = io.BytesIO()
        cropped.save(buffer, format="JPEG", quality=85, optimize=True)
    return store_image(buffer.getvalue(), folder)
