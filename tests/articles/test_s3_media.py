"""Uploads, renditions, pages and the content importers with media in an S3-compatible bucket.

django-storages and boto3 talk to moto's standalone server (`s3_media` in
tests/conftest.py); nothing is written to MEDIA_ROOT.
"""

import io
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image

from articles.models import Article, Author, Section
from core.images import recorded_widths, rendition_name
from core.models import Image as LibraryImage
from products.models import Product
from tests.articles.test_image_uploads import photo_with_location, post_image, post_product, upload
from tests.articles.test_images import Pictures, srcset_widths
from tests.articles.test_import import GOOD
from tests.factories import image_bytes, make_article, make_author, make_image, make_product


def fetch(url) -> bytes:
    """The file as a browser gets it: an anonymous GET of its public URL."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def renditions_of(name, widths):
    return {rendition_name(name, w, ext) for w in widths for ext in ("avif", "webp", "jpg")}


def assert_nothing_on_disk(settings):
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_admin_upload_goes_to_the_bucket_with_its_renditions(staff_client, db, s3_media, settings):
    product = make_product()
    response = post_image(staff_client, upload(photo_with_location(), "IMG_2041.jpg"), alt="A grey sneaker.")
    assert response.status_code == 302, response.content.decode()[:2000]
    image = LibraryImage.objects.get()
    assert post_product(staff_client, product, image=image.pk, image_alt="").status_code == 302
    product.refresh_from_db()
    image.refresh_from_db()
    assert (image.file_width, image.file_height) == (200, 400)
    assert recorded_widths(image.file) == {"jpg": [160, 200], "webp": [160, 200], "avif": [160, 200]}
    assert s3_media.keys() == {image.file.name} | renditions_of(image.file.name, (160, 200))
    with Image.open(io.BytesIO(s3_media.read(image.file.name))) as img:
        assert img.size == (200, 400) and not img.getexif()  # upright, no location data
    assert_nothing_on_disk(settings)

    # The product page points the browser at the bucket, and the policy lets it load from there.
    page = staff_client.get(product.get_absolute_url())
    (main,) = [p for p in Pictures(page.content.decode()).pictures if p["img"].get("alt") == "A grey sneaker."]
    assert [source["type"] for source in main["sources"]] == ["image/avif", "image/webp"]
    for source, fmt in zip(main["sources"], ("AVIF", "WEBP"), strict=True):
        url = source["srcset"].split(", ")[0].rsplit(" ", 1)[0]
        assert url.startswith(f"{s3_media.origin}/{s3_media.bucket}/renditions/images/")
        with Image.open(io.BytesIO(fetch(url))) as img:
            assert (img.format, img.size) == (fmt, (160, 320))
    img_src = page.headers["Content-Security-Policy"].split("img-src ")[1].split(";")[0].split()
    assert s3_media.origin in img_src


def test_admin_upload_into_a_missing_bucket_is_a_form_error_not_a_500(staff_client, db, s3_media, settings):
    storage = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**storage, "OPTIONS": {**storage["OPTIONS"], "bucket_name": "kuru-bucket-never-made"}},
    }
    response = post_image(staff_client, upload(image_bytes(fmt="PNG"), "shoe.png"), alt="A shoe")
    assert response.status_code == 200
    assert "The image could not be stored: the media storage refuses new files." in response.content.decode()
    assert not LibraryImage.objects.exists()


def test_article_page_serves_hero_figure_and_social_image_from_the_bucket(client, db, s3_media, settings):
    article = make_article(
        hero_image=ContentFile(image_bytes(1400, 800), name="hero.jpg"), hero_alt="A walker on a trail."
    )
    Section.objects.create(
        article=article,
        heading="Heel",
        figure_image=make_image(
            ContentFile(image_bytes(700, 400, color=(20, 90, 160)), name="heel.jpg"), "articles/figures"
        ),
        figure_alt="A heel on a foam roller.",
    )
    article.refresh_from_db()
    assert article.social_image.name in s3_media.keys()
    with Image.open(io.BytesIO(s3_media.read(article.social_image.name))) as social:
        assert social.size == (1200, 630)

    client.get(article.get_absolute_url())  # warm, as tests/articles/test_page_queries.py does
    html = client.get(article.get_absolute_url()).content.decode()
    bucket_url = f"{s3_media.origin}/{s3_media.bucket}/"
    assert f'<meta property="og:image" content="{bucket_url}{article.social_image.name}">' in html
    (hero,) = Pictures(html).with_class("article__hero")
    assert srcset_widths(hero["sources"][0]["srcset"]) == [160, 320, 640, 960, 1280, 1400]
    (figure,) = [p for p in Pictures(html).pictures if p["img"].get("alt") == "A heel on a foam roller."]
    for picture in (hero, figure):
        for candidate in picture["sources"][0]["srcset"].split(", ") + picture["img"]["srcset"].split(", "):
            assert candidate.startswith(bucket_url + "renditions/articles/")
    largest = figure["img"]["srcset"].split(", ")[-1].rsplit(" ", 1)[0]
    with Image.open(io.BytesIO(fetch(largest))) as img:
        assert (img.format, img.size) == ("JPEG", (700, 400))
    assert_nothing_on_disk(settings)


def test_the_page_reads_no_more_queries_with_a_bucket(client, db, s3_media, django_assert_num_queries):
    article = make_article(
        sections=2, cards=2, hero_image=ContentFile(image_bytes(800, 450), name="h.jpg"), hero_alt="A heel in a shoe."
    )
    client.get(article.get_absolute_url())
    with django_assert_num_queries(6):  # ArticleQuerySet.for_page(), as tests/articles/test_page_queries.py pins
        assert client.get(article.get_absolute_url()).status_code == 200


def test_the_content_importers_write_every_image_to_the_bucket(db, s3_media, settings):
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    keys = s3_media.keys()
    stored = [
        *(a.hero_image for a in Article.objects.all()),
        *(s.figure_image for s in Section.objects.exclude(figure_image=None)),
        *(a.avatar for a in Author.objects.exclude(avatar=None)),
        *(p.image for p in Product.objects.exclude(image=None)),
    ]
    assert len(stored) >= 8
    for image in stored:
        assert image.file.name in keys
        widths = recorded_widths(image.file)
        assert widths["avif"] and widths["avif"] == widths["webp"] == widths["jpg"]
        assert renditions_of(image.file.name, widths["avif"]) <= keys
    assert_nothing_on_disk(settings)


def test_a_failed_import_leaves_nothing_in_the_bucket(db, s3_media, tmp_path):
    author, product = make_author(slug="jane"), make_product(slug="quantum")
    (tmp_path / "hero.png").write_bytes(image_bytes(1600, 900, fmt="PNG"))
    (tmp_path / "figure.png").write_bytes(image_bytes(800, 600, fmt="PNG"))
    source = GOOD.format(author=author.slug, product=product.slug)
    path = tmp_path / "heel.md"
    path.write_text(source.replace("::product quantum", "::product no-such-product"), encoding="utf-8")
    with pytest.raises(Exception, match="no-such-product"):
        call_command("import_article", path, stdout=io.StringIO())
    assert s3_media.keys() == set()

    path.write_text(source, encoding="utf-8")
    call_command("import_article", path, stdout=io.StringIO())
    assert Article.objects.get(slug="heel-pain-explained").hero_image.file.name in s3_media.keys()


def test_export_copies_images_out_of_the_bucket(db, s3_media, tmp_path, capsys):
    article = make_article(
        hero_image=ContentFile(image_bytes(640, 360), name="hero.jpg"), hero_alt="A walker on a trail."
    )
    out = tmp_path / "export" / "article.md"
    call_command("export_article", article.slug, output=str(out), stdout=io.StringIO())
    copied = out.parent / "images" / Path(article.hero_image.file.name).name
    assert copied.read_bytes() == s3_media.read(article.hero_image.file.name)
    call_command("export_article", article.slug)
    assert (
        f'hero_image = "{s3_media.origin}/{s3_media.bucket}/{article.hero_image.file.name}"' in capsys.readouterr().out
    )


def test_make_renditions_backfills_the_bucket(db, s3_media):
    product = make_product(image=ContentFile(image_bytes(700, 500), name="shoe.jpg"), image_alt="A grey sneaker.")
    lost = rendition_name(product.image.file.name, 320, "webp")
    s3_media.client.delete_object(Bucket=s3_media.bucket, Key=lost)
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "wrote 1 rendition file(s)" in out.getvalue()
    assert lost in s3_media.keys()
    assert recorded_widths(Product.objects.get().image.file) == {
        "jpg": [160, 320, 640, 700],
        "webp": [160, 320, 640, 700],
        "avif": [160, 320, 640, 700],
    }
