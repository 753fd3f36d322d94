"""Media storage from the environment: local disk by default, or an S3-compatible bucket.

The bucket tests run django-storages and boto3 for real against moto's standalone
S3 server (the `s3_server` and `s3_media` fixtures in tests/conftest.py).
"""

import io
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from core.images import available_renditions, check_storage_writable, make_renditions, rendition_name, store_image
from core.models import Image as LibraryImage
from kuru_site.media_storage import IMMUTABLE, parse_media_storage
from tests.factories import image_bytes
from tests.test_settings import PRODUCTION_ENV, run_django

S3 = {"MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "kuru-media"}


def test_local_disk_is_the_default():
    assert parse_media_storage({}) == ({"BACKEND": "django.core.files.storage.FileSystemStorage"}, None)
    assert parse_media_storage({"MEDIA_STORAGE": "local"})[1] is None


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MEDIA_STORAGE": "s3"}, "Set MEDIA_S3_BUCKET"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be local or s3, not 'ftp'"),
        ({**S3, "MEDIA_S3_ADDRESSING_STYLE": "dns"}, "must be path or virtual"),
        ({**S3, "MEDIA_S3_ENDPOINT_URL": "s3.example.com"}, "must start with https://"),
    ],
)
def test_a_bucket_setting_that_cannot_work_stops_startup(env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_media_storage(env)


def test_bucket_urls_are_public_and_files_immutable():
    storage, _origin = parse_media_storage(
        {**S3, "MEDIA_S3_REGION": "eu-west-1", "MEDIA_S3_ACCESS_KEY_ID": "AK", "MEDIA_S3_SECRET_ACCESS_KEY": "SK"}
    )
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["querystring_auth"] is False and options["object_parameters"] == {"CacheControl": IMMUTABLE}
    assert (options["bucket_name"], options["region_name"]) == ("kuru-media", "eu-west-1")
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")
    # Without keys, boto3 finds them as it always does (AWS_* variables, an instance role).
    assert "access_key" not in parse_media_storage(S3)[0]["OPTIONS"]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"MEDIA_S3_REGION": "eu-west-1"},
        {"MEDIA_S3_REGION": "eu-west-1", "MEDIA_S3_ADDRESSING_STYLE": "virtual"},
        {"MEDIA_S3_REGION": "eu-west-1", "MEDIA_S3_ADDRESSING_STYLE": "path"},
        {"MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
        {"MEDIA_S3_ENDPOINT_URL": "https://s3.example.com", "MEDIA_S3_ADDRESSING_STYLE": "virtual"},
        {"MEDIA_S3_ENDPOINT_URL": "https://account.r2.cloudflarestorage.com", "MEDIA_S3_REGION": "auto"},
        {"MEDIA_S3_CUSTOM_DOMAIN": "media.example.com"},
        {"MEDIA_S3_CUSTOM_DOMAIN": "https://cdn.example.com/kuru/", "MEDIA_S3_LOCATION": "site"},
    ],
)
def test_the_origin_allowed_for_images_is_where_the_storage_points(extra):
    """The Content-Security-Policy allows images from MEDIA_ORIGIN: it must be where url() sends browsers."""
    from storages.backends.s3 import S3Storage

    config, origin = parse_media_storage({**S3, **extra, "MEDIA_S3_ACCESS_KEY_ID": "AK"})
    url = S3Storage(**config["OPTIONS"]).url("renditions/articles/hero/abc-160w.webp")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == origin
    assert not parts.query  # public, unsigned
    if extra.get("MEDIA_S3_CUSTOM_DOMAIN"):
        assert url.startswith("https://media.example.com/") or url.startswith("https://cdn.example.com/kuru/site/")


def test_settings_from_bucket_variables_pass_check_deploy():
    env = {
        **PRODUCTION_ENV,
        **S3,
        "MEDIA_S3_REGION": "eu-west-1",
        "MEDIA_S3_CUSTOM_DOMAIN": "media.example.com",
    }
    result = run_django(
        "from django.conf import settings; from django.core.management import call_command;"
        "print(settings.STORAGES['default']['BACKEND'], settings.SERVE_MEDIA,"
        " settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']);"
        "call_command('check', deploy=True, fail_level='WARNING')",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert "storages.backends.s3.S3Storage False" in result.stdout
    assert "'https://media.example.com'" in result.stdout
    assert "System check identified no issues" in result.stdout


def test_local_settings_allow_images_from_this_site_only():
    result = run_django(
        "from django.conf import settings;"
        "print(settings.SERVE_MEDIA, settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True [\"'self'\", 'data:']"


# The real S3 code path, against moto's server.


def test_store_image_writes_the_bucket_by_content(s3_media):
    data = image_bytes(300, 200)
    name = store_image(data, "products")
    assert name.startswith("products/") and name.endswith(".jpg")
    assert s3_media.keys() == {name}
    assert s3_media.read(name) == data
    head = s3_media.client.head_object(Bucket=s3_media.bucket, Key=name)
    assert head["CacheControl"] == IMMUTABLE and head["ContentType"] == "image/jpeg"
    # The same bytes again: the same name, nothing written twice.
    assert store_image(data, "products") == name and s3_media.keys() == {name}


def test_renditions_are_made_in_the_bucket_and_served_from_it(s3_media, db):
    image = LibraryImage(file=store_image(image_bytes(700, 500), "products"), file_width=700, file_height=500)
    written = make_renditions(image.file)
    assert set(written) == {
        rendition_name(image.file.name, w, ext) for w in (160, 320, 640, 700) for ext in ("avif", "webp", "jpg")
    }
    assert set(written) <= s3_media.keys()
    assert make_renditions(image.file) == []  # found there: made once

    image.file_renditions = [160, 700]
    found = available_renditions(image.file)
    url, width = found["webp"][0]
    assert width == 160 and url.startswith(f"{s3_media.origin}/{s3_media.bucket}/renditions/products/")
    # What a browser would fetch: the real WebP, 160 pixels wide.
    with urllib.request.urlopen(url, timeout=10) as response:
        with Image.open(io.BytesIO(response.read())) as img:
            assert (img.format, img.width) == ("WEBP", 160)
    assert found["jpg"] == [(default_storage.url(rendition_name(image.file.name, w, "jpg")), w) for w in (160, 700)]


def test_rendition_urls_in_a_bucket_are_the_storages_own(s3_media):
    image = LibraryImage(
        file="products/an odd name#1?.jpg", file_width=700, file_height=500, file_renditions=[160, 700]
    )
    found = available_renditions(image.file)
    for ext in ("webp", "jpg"):
        assert found[ext] == [(default_storage.url(rendition_name(image.file.name, w, ext)), w) for w in (160, 700)]


def test_the_write_probe_works_on_a_bucket_and_leaves_nothing(s3_media):
    check_storage_writable()
    assert s3_media.keys() == set()


def test_the_write_probe_explains_a_missing_bucket(s3_media, settings):
    storage = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**storage, "OPTIONS": {**storage["OPTIONS"], "bucket_name": "no-such-bucket-here"}},
    }
    with pytest.raises(ValidationError, match="the media storage refuses new files"):
        check_storage_writable()
