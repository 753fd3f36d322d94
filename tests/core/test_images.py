"""Image uploads a review broke, each now handled: bad files get a message, renditions keep what the picture is."""

import io
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, PngImagePlugin

from core.images import make_renditions, rendition_name
from core.models import Image as LibraryImage
from tests.articles.test_image_uploads import post_image, upload
from tests.factories import make_product


def b(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def noisy_jpeg(exif=None):
    img = Image.effect_noise((400, 300), 60).convert("RGB")
    return b(img, "JPEG", **({"exif": exif} if exif else {}))


@pytest.mark.parametrize("with_exif", [True, False])
def test_a_truncated_jpeg_is_refused_with_a_message(staff_client, db, with_exif):
    exif = Image.Exif()
    exif[0x013B] = "Jane"
    data = noisy_jpeg(exif if with_exif else None)
    response = post_image(staff_client, upload(data[: len(data) // 2], "shoe.jpg"), alt="A grey sneaker.")
    assert response.status_code == 200 and "incomplete (cut short)" in response.content.decode()
    assert not LibraryImage.objects.exists()


# Photoshop and Illustrator export palette PNGs with transparency and XMP.
def test_a_palette_png_keeps_its_transparency_when_its_metadata_goes(db, settings):
    p = Image.new("P", (200, 100), 0)
    p.putpalette([0, 0, 0, 255, 0, 0])
    ImageDraw.Draw(p).rectangle((80, 30, 120, 70), fill=1)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    data = b(p, "PNG", transparency=0, pnginfo=info)
    with Image.open(io.BytesIO(data)) as src:
        assert src.convert("RGBA").getpixel((5, 5))[3] == 0  # transparent corner in the upload
    product = make_product(image=ContentFile(data, name="logo.png"), image_alt="The brand logo, a red square.")
    with Image.open(product.image.file.path) as stored:
        assert "transparency" in stored.info, "stored original lost its transparency"


def test_16_bit_greyscale_renditions_keep_their_tones(db, settings):
    g = Image.linear_gradient("L").resize((256, 256))  # black top -> white bottom
    raw = b"".join((v * 257).to_bytes(2, "little") for v in g.get_flattened_data())
    data = b(Image.frombytes("I;16", (256, 256), raw), "PNG")
    product = make_product(image=ContentFile(data, name="grey.png"), image_alt="A grey gradient swatch.")
    with Image.open(Path(settings.MEDIA_ROOT) / rendition_name(product.image.file.name, 160, "jpg")) as r:
        top = r.convert("L").getpixel((80, 2))
    assert top < 60, f"the black top of the picture came out as {top}"


@pytest.mark.parametrize("fmt,name", [("PNG", "spin.png"), ("WEBP", "spin.webp")])
def test_animated_images_are_refused_with_a_message(staff_client, db, fmt, name):
    frames = [Image.new("RGB", (300, 300), c) for c in ("red", "blue", "green")]
    data = b(frames[0], fmt, save_all=True, append_images=frames[1:], duration=200, loop=0)
    with Image.open(io.BytesIO(data)) as im:
        assert im.is_animated
    r = post_image(staff_client, upload(data, name), alt="A shoe turning around.")
    assert r.status_code == 200 and "Animated images are not accepted" in r.content.decode()


# Samsung and Fujifilm phones write multi-picture JPEGs (MPO): the first picture is kept.
def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_its_first_picture(staff_client, db):
    frames = [Image.new("RGB", (300, 200), "red"), Image.new("RGB", (300, 200), "blue")]
    data = b(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG file
    r = post_image(staff_client, upload(data, "20240501_101500.jpg"), alt="A grey sneaker.")
    assert r.status_code == 302
    with Image.open(LibraryImage.objects.get().file.path) as stored:
        assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1
        assert stored.convert("RGB").getpixel((10, 10))[0] > 200  # the red first picture


def test_png_text_chunks_with_personal_data_are_removed(db, settings):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_text("Comment", "Taken at 12 Elm Street")
    data = b(Image.new("RGB", (200, 100), "red"), "PNG", pnginfo=info)
    product = make_product(image=ContentFile(data, name="shoe.png"), image_alt="A red sneaker.")
    stored = Path(product.image.file.path).read_bytes()
    assert b"Jane Doe" not in stored and b"Elm Street" not in stored


# A polyglot: a JPEG with an HTML/JS payload appended.
def test_bytes_after_the_picture_are_not_stored(staff_client, db, settings):
    data = b(Image.new("RGB", (200, 100), "red"), "JPEG") + b"<html><script>alert(document.domain)</script>"
    r = post_image(staff_client, upload(data, "shoe.jpg"), alt="A red sneaker.")
    assert r.status_code == 302
    stored = Path(LibraryImage.objects.get().file.path).read_bytes()
    assert b"<script>" not in stored, "payload stored and served from /media/"


# Within 40 megapixels, but taller than WebP can hold.
def test_a_picture_with_a_side_over_16383_pixels_is_refused(staff_client, db, settings):
    data = b(Image.new("RGB", (200, 70000), "red"), "PNG")
    r = post_image(staff_client, upload(data, "banner.png"), alt="A tall red banner.")
    assert r.status_code == 200 and "each side must be at most 16,383 pixels" in r.content.decode()


# An admin save and `make_renditions` may write the same files at once.
def test_making_the_same_renditions_at_once_leaves_one_copy_and_no_error(db, settings):
    product = make_product(
        image=ContentFile(b(Image.effect_noise((1600, 1200), 40).convert("RGB"), "JPEG"), name="s.jpg"),
        image_alt="A grey sneaker.",
    )
    for f in (Path(settings.MEDIA_ROOT) / "renditions").rglob("*"):
        if f.is_file():
            f.unlink()
    errors, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            make_renditions(product.image.file)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    stray = [f.name for f in (Path(settings.MEDIA_ROOT) / "renditions").rglob("*_*")]
    assert not errors and not stray, (errors, stray)


def test_cmyk_renditions_are_not_tagged_with_the_cmyk_profile(db, settings):
    header = bytearray(128)
    header[0:4] = (128).to_bytes(4, "big")
    header[12:16], header[16:20], header[20:24], header[36:40] = b"prtr", b"CMYK", b"Lab ", b"acsp"
    profile = bytes(header) + (0).to_bytes(4, "big")
    data = b(Image.new("CMYK", (400, 300), (0, 100, 200, 0)), "JPEG", icc_profile=profile)
    product = make_product(image=ContentFile(data, name="print.jpg"), image_alt="A blue sneaker on a table.")
    for ext in ("jpg", "webp"):
        with Image.open(Path(settings.MEDIA_ROOT) / rendition_name(product.image.file.name, 160, ext)) as r:
            icc = r.info.get("icc_profile") or b""
            assert not (r.mode.startswith("RGB") and icc[16:20] == b"CMYK"), f"{ext}: {r.mode} pixels, CMYK profile"


# A PNG whose transparency is one colour key (tRNS), with no alpha channel.
def test_colour_key_transparency_reaches_the_webp_rendition(db, settings):
    img = Image.new("RGB", (200, 100), (0, 0, 0))
    ImageDraw.Draw(img).rectangle((80, 30, 120, 70), fill=(255, 0, 0))
    data = b(img, "PNG", transparency=(0, 0, 0))
    with Image.open(io.BytesIO(data)) as src:
        assert src.convert("RGBA").getpixel((5, 5))[3] == 0
    product = make_product(image=ContentFile(data, name="badge.png"), image_alt="A red square badge.")
    with Image.open(Path(settings.MEDIA_ROOT) / rendition_name(product.image.file.name, 160, "webp")) as r:
        assert r.mode == "RGBA" and r.getpixel((3, 3))[3] == 0, f"{r.mode} {r.getpixel((3, 3))}"


def test_an_upload_over_10_mb_is_refused_before_it_is_read(staff_client, db):
    too_big = b(Image.new("RGB", (64, 64), "red"), "PNG") + b"\0" * (10 * 1024 * 1024)
    response = post_image(staff_client, upload(too_big, "huge.png"), alt="A red sneaker.")
    assert response.status_code == 200 and "the limit is 10 MB" in response.content.decode()


def test_files_written_in_a_failed_block_are_removed_and_earlier_ones_kept(db, settings):
    from core.images import store_image, written_files_removed_on_error

    kept = store_image(b(Image.new("RGB", (64, 64), "red"), "PNG"), "products")
    with pytest.raises(RuntimeError), written_files_removed_on_error():
        assert store_image(b(Image.new("RGB", (64, 64), "red"), "PNG"), "products") == kept  # there already
        added = store_image(b(Image.new("RGB", (64, 64), "blue"), "PNG"), "products")
        assert (Path(settings.MEDIA_ROOT) / added).exists()
        raise RuntimeError("the transaction rolled back")
    assert (Path(settings.MEDIA_ROOT) / kept).exists() and not (Path(settings.MEDIA_ROOT) / added).exists()
