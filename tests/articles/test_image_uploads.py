"""Upload rules, through the admin and on the models: real images only, no bombs, no location data, real alt text."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from articles.models import Article, Author, Section
from core.images import rendition_name, validate_image_file
from core.models import Image as LibraryImage
from tests.factories import image_bytes, image_file, make_article, make_author, make_image, make_product

GPS_IFD, ORIENTATION, ARTIST = 0x8825, 0x0112, 0x013B
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.0N"/></rdf:RDF></x:xmpmeta>'
)


def png_declaring(width, height, real=False):
    """A PNG header claiming width×height greyscale pixels. With real=True the data is there too,
    as zeros that compress about 1000:1: a genuine decompression bomb."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    rows = height if real else 1
    row = b"\0" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo_with_location(fmt="JPEG", size=(400, 200)):
    """A phone photo stored sideways (EXIF orientation 6: turn 90° clockwise to view), red on the left,
    blue on the right, with GPS coordinates, the photographer's name and XMP location."""
    img = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(img).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=(255, 0, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[ARTIST] = "Jane Photographer"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, exif=exif, xmp=XMP, quality=95)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries what the test removes
        assert check.getexif().get_ifd(GPS_IFD) and check.getexif()[ORIENTATION] == 6
    return data


def assert_upright_without_location(path, size=(200, 400)):
    data = Path(path).read_bytes()
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == size
        exif = img.getexif()
        assert GPS_IFD not in exif and ORIENTATION not in exif and ARTIST not in exif
        assert "xmp" not in img.info
        rgb = img.convert("RGB")
        top, bottom = rgb.getpixel((size[0] // 2, 5)), rgb.getpixel((size[0] // 2, size[1] - 5))
    # Turned clockwise, the left (red) half is now on top.
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60
    assert b"Jane Photographer" not in data and b"GPSLatitude" not in data


def product_form(product, **changes):
    data = {
        "name": product.name,
        "slug": product.slug,
        "line": product.line,
        "colorway": product.colorway,
        "gender": product.gender,
        "category": product.category,
        "description": product.description,
        "image_alt": product.image_alt,
        "price": "",
        "shop_url": product.shop_url,
        "is_recommended": "on",
        "is_active": "on",
        "currency": product.currency,
    }
    # The gallery and variant inlines, empty.
    for prefix in ("images", "variants"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def post_product(client, product, **changes):
    return client.post(reverse("admin:products_product_change", args=[product.pk]), product_form(product, **changes))


def upload(data, name):
    return SimpleUploadedFile(name, data)


def post_image(client, file, **changes):
    """Upload to the media library, as the chooser's "Add image" does."""
    data = {"file": file, "title": "", "alt": "", "credit": "", "focal_x": "", "focal_y": "", **changes}
    return client.post(reverse("admin:core_image_add"), data)


# Decompression bombs and formats


@pytest.mark.parametrize(
    "bomb, message",
    [
        (png_declaring(30000, 30000), "The image declares 900,000,000 pixels; the limit is 40 megapixels."),
        (png_declaring(9000, 9000, real=True), "The image is 9000×9000 pixels; the limit is 40 megapixels."),
    ],
    ids=["header-only", "real"],
)
def test_admin_refuses_a_decompression_bomb_with_a_clear_message(staff_client, db, settings, bomb, message):
    assert len(bomb) < 200_000  # small on disk
    response = post_image(staff_client, upload(bomb, "shoe.png"), alt="A grey sneaker.")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LibraryImage.objects.exists() and not (Path(settings.MEDIA_ROOT) / "images").exists()


def test_bomb_is_refused_at_model_level_too(db):
    with pytest.raises(ValidationError, match="decompression bomb"):
        validate_image_file(ContentFile(png_declaring(30000, 30000), name="shoe.png"))


@pytest.mark.parametrize(
    "data, name, message",
    [
        (image_bytes(fmt="GIF"), "shoe.gif", "GIF images are not accepted: use JPEG, PNG or WebP."),
        (b"%PDF-1.4 not a picture", "shoe.jpg", "The file is not an image Pillow can read"),
    ],
)
def test_admin_refuses_other_formats_saying_which_are_accepted(staff_client, db, data, name, message):
    response = post_image(staff_client, upload(data, name), alt="A grey sneaker.")
    assert response.status_code == 200 and message in response.content.decode()


# Location data and orientation


def test_admin_upload_is_stored_upright_without_location_data(staff_client, db, settings):
    response = post_image(staff_client, upload(photo_with_location(), "IMG_2041.jpg"), alt="A grey sneaker.")
    assert response.status_code == 302, response.content.decode()[:2000]
    image = LibraryImage.objects.get()
    assert (image.file_width, image.file_height) == (200, 400)
    assert Path(image.file.name).stem != "IMG_2041" and image.title == "IMG 2041"
    assert_upright_without_location(image.file.path)
    for width in (160, 200):
        with Image.open(Path(settings.MEDIA_ROOT) / rendition_name(image.file.name, width, "jpg")) as img:
            assert img.size == (width, width * 2) and GPS_IFD not in img.getexif()


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_model_save_strips_location_and_applies_orientation(db, fmt):
    ext = "jpg" if fmt == "JPEG" else "webp"
    image = LibraryImage.objects.create(file=ContentFile(photo_with_location(fmt), name=f"phone.{ext}"))
    assert (image.file_width, image.file_height) == (200, 400)
    assert_upright_without_location(image.file.path)


def test_article_hero_upload_is_cleaned_before_its_social_crop(db):
    article = make_article(
        hero_image=ContentFile(photo_with_location(size=(1400, 700)), name="hero.jpg"), hero_alt="A walker on a trail."
    )
    assert_upright_without_location(article.hero_image.file.path, size=(700, 1400))
    with Image.open(article.social_image.path) as social:
        assert social.size == (1200, 630) and GPS_IFD not in social.getexif()


def test_clean_images_are_stored_byte_for_byte(db):
    """No metadata, nothing to strip: the bytes (and so the name) are those uploaded."""
    data = image_bytes(120, 80)
    product = make_product(image=ContentFile(data, name="shoe.jpg"), image_alt="A grey sneaker.")
    assert Path(product.image.file.path).read_bytes() == data


# Alt text

BAD_ALTS = ["", "   ", "IMG_2041.jpg", "hero.png", "DSC0001", "PXL_20240101_123456", "image", "knee-support-shot"]


def image_owner(kind):
    """An object of each kind holding an image named knee-support-shot.jpg, and its alt field."""
    upload = make_image(image_file("knee-support-shot.jpg"))
    if kind == "hero":
        article = make_article()
        article.hero_image = upload
        return article, "hero_alt"
    if kind == "figure":
        return Section(article=make_article(), heading="Heel", figure_image=upload), "figure_alt"
    if kind == "avatar":
        author = make_author()
        author.avatar = upload
        return author, "avatar_alt"
    product = make_product()
    product.image = upload
    return product, "image_alt"


@pytest.mark.parametrize("kind", ["hero", "figure", "avatar", "product"])
@pytest.mark.parametrize("alt", BAD_ALTS)
def test_models_refuse_empty_and_filename_alt_text(db, kind, alt):
    owner, field = image_owner(kind)
    setattr(owner, field, alt)
    with pytest.raises(ValidationError) as excinfo:
        owner.full_clean()
    (message,) = excinfo.value.message_dict[field]
    assert "Write a short sentence saying what the picture shows" in message


@pytest.mark.parametrize("kind", ["hero", "figure", "avatar", "product"])
def test_models_accept_a_description(db, kind):
    owner, field = image_owner(kind)
    setattr(owner, field, "A knee support worn over running tights.")
    owner.full_clean()


def test_alt_text_is_not_needed_without_an_image(db):
    make_product(image_alt="").full_clean()


def test_admin_refuses_filename_alt_for_a_product(staff_client, db):
    product = make_product()
    response = post_product(staff_client, product, image=make_image().pk, image_alt="IMG_2041.jpg")
    assert response.status_code == 200
    assert "“IMG_2041.jpg” looks like a file name, not a description." in response.content.decode()
    product.refresh_from_db()
    assert not product.image


def test_admin_refuses_the_uploads_own_name_as_default_alt(staff_client, db):
    response = post_image(staff_client, upload(image_bytes(200, 200), "jane-smith.png"), alt="jane-smith")
    assert response.status_code == 200
    assert "“jane-smith” looks like a file name" in response.content.decode()
    assert not LibraryImage.objects.exists()


def test_admin_refuses_an_avatar_without_alt_text(staff_client, db):
    author = make_author()
    data = {
        "name": author.name,
        "slug": author.slug,
        "bio_html": author.bio_html,
        "avatar": make_image(image_file(width=200, height=200)).pk,
        "avatar_alt": "",
    }
    response = staff_client.post(reverse("admin:articles_author_change", args=[author.pk]), data)
    assert response.status_code == 200
    assert "Alt text is required" in response.content.decode()
    assert not Author.objects.get(pk=author.pk).avatar


def _inline(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def article_form(article, sections=(), **changes):
    data = {
        "title": article.title,
        "slug": article.slug,
        "author": article.author_id,
        "excerpt": "",
        "intro_html": article.intro_html,
        "hero_alt": article.hero_alt,
        "status": "published",
        "published_at_0": "2024-01-01",
        "published_at_1": "10:00:00",
        "seo_title": "",
        "meta_description": "What the article says.",
        **_inline("takeaways", []),
        **_inline("sections", list(sections)),
        **_inline("product_cards", []),
        **_inline("faqs", []),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("alt", ["", "hero.png"])
def test_admin_refuses_empty_or_filename_hero_alt(staff_client, db, alt):
    article = make_article()
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = staff_client.post(
        url, article_form(article, hero_image=make_image(image_file(width=800, height=450)).pk, hero_alt=alt)
    )
    assert response.status_code == 200
    assert "Write a short sentence saying what the picture shows" in response.content.decode()
    assert not Article.objects.get(pk=article.pk).hero_image


def test_admin_refuses_camera_name_as_figure_alt_then_accepts_a_description(staff_client, db, settings):
    # A draft, published by this form: a live article's save would only keep a draft of it (test_drafts.py).
    article = make_article(status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[article.pk])
    section = {"sort_order": "1", "level": "2", "heading": "Heel", "body_html": "<p>Body.</p>", "figure_alt": "DSC0001"}

    figure = make_image(image_file("DSC0001.jpg", width=900, height=600))
    response = staff_client.post(url, article_form(article, [{**section, "figure_image": figure.pk}]))
    assert response.status_code == 200
    assert "“DSC0001” looks like a file name" in response.content.decode()
    assert not Section.objects.exists()

    section["figure_alt"] = "A heel resting on a foam roller."
    response = staff_client.post(url, article_form(article, [{**section, "figure_image": figure.pk}]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Section.objects.get().figure_image == figure
    assert (Path(settings.MEDIA_ROOT) / rendition_name(figure.file.name, 900, "webp")).exists()


def test_a_read_only_media_folder_gives_a_form_error_not_a_500(staff_client, db, settings):
    import os
    import stat

    if os.geteuid() == 0:
        # root writes through any permission bits: point MEDIA_ROOT below a plain file instead.
        blocker = settings.MEDIA_ROOT.parent / "not-a-folder"
        blocker.write_text("")
        settings.MEDIA_ROOT = blocker / "media"
    else:
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        settings.MEDIA_ROOT.chmod(stat.S_IRUSR | stat.S_IXUSR)
    response = post_image(staff_client, upload(image_bytes(fmt="PNG"), "shoe.png"), alt="A grey shoe")
    assert response.status_code == 200
    assert "The image could not be stored: the media storage refuses new files." in response.content.decode()
    assert not LibraryImage.objects.exists()
