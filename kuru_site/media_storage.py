"""Turn the MEDIA_* variables into STORAGES["default"] and the origin images are served from.

MEDIA_STORAGE=local (the default)  files under DJANGO_MEDIA_ROOT, served at /media/
MEDIA_STORAGE=s3                   an S3-compatible bucket through django-storages (boto3):
    MEDIA_S3_BUCKET                the bucket (required)
    MEDIA_S3_ENDPOINT_URL          another S3-compatible service (MinIO, R2, Spaces…); AWS when unset
    MEDIA_S3_REGION                the bucket's region
    MEDIA_S3_ACCESS_KEY_ID / MEDIA_S3_SECRET_ACCESS_KEY
                                   keys; unset, boto3 looks as usual (AWS_* variables, an instance role)
    MEDIA_S3_CUSTOM_DOMAIN         a CDN (or the bucket's public host) that serves the files: media.example.com
    MEDIA_S3_ADDRESSING_STYLE      path or virtual (bucket.host); boto3 chooses when unset
    MEDIA_S3_LOCATION              a folder inside the bucket for every file
    MEDIA_S3_DEFAULT_ACL           e.g. public-read, for services that publish files by ACL rather than bucket policy

Files are served by public URLs, never signed ones: cached pages are the same for
every visitor, and a rendition's URL is its stem's URL plus a suffix
(core.images.available_renditions). Every stored name is derived from content,
so objects are sent with a year's immutable Cache-Control.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Every media file's name comes from its bytes (core/images.py): its URL never changes content.
IMMUTABLE = "public, max-age=31536000, immutable"


def parse_media_storage(environ) -> tuple[dict, str | None]:
    """(STORAGES["default"], the origin media URLs start with, or None when they are this site's own)."""
    kind = (environ.get("MEDIA_STORAGE") or "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, None
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {kind!r}.")
    bucket = environ.get("MEDIA_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("Set MEDIA_S3_BUCKET (the bucket's name) with MEDIA_STORAGE=s3.")
    endpoint = environ.get("MEDIA_S3_ENDPOINT_URL", "").strip() or None
    domain = environ.get("MEDIA_S3_CUSTOM_DOMAIN", "").strip().removeprefix("https://").rstrip("/") or None
    style = environ.get("MEDIA_S3_ADDRESSING_STYLE", "").strip() or None
    if style not in (None, "path", "virtual"):
        raise ImproperlyConfigured(f"MEDIA_S3_ADDRESSING_STYLE must be path or virtual, not {style!r}.")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"MEDIA_S3_ENDPOINT_URL must start with https:// (or http://), not {endpoint!r}.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": environ.get("MEDIA_S3_REGION", "").strip() or None,
        "custom_domain": domain,
        "addressing_style": style,
        "location": environ.get("MEDIA_S3_LOCATION", "").strip("/ "),
        "default_acl": environ.get("MEDIA_S3_DEFAULT_ACL", "").strip() or None,
        "querystring_auth": False,
        "object_parameters": {"CacheControl": IMMUTABLE},
    }
    # Only when given: an explicit None would stop boto3 from finding keys its usual way.
    for variable, option in (("MEDIA_S3_ACCESS_KEY_ID", "access_key"), ("MEDIA_S3_SECRET_ACCESS_KEY", "secret_key")):
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, _origin(options)


def _origin(options: dict) -> str:
    """Where the bucket's public URLs point (for the Content-Security-Policy), as boto3 builds them."""
    bucket = options["bucket_name"]
    if options["custom_domain"]:
        return f"https://{options['custom_domain'].split('/')[0]}"
    if options["endpoint_url"]:
        parts = urlsplit(options["endpoint_url"])
        host = f"{bucket}.{parts.netloc}" if options["addressing_style"] == "virtual" else parts.netloc
        return f"{parts.scheme}://{host}"
    region = options["region_name"]
    if options["addressing_style"] == "path":
        return f"https://s3.{region}.amazonaws.com" if region else "https://s3.amazonaws.com"
    if options["addressing_style"] == "virtual" and region:
        return f"https://{bucket}.s3.{region}.amazonaws.com"
    return f"https://{bucket}.s3.amazonaws.com"
