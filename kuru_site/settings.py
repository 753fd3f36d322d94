"""
Settings for the KURU content-commerce site.

One module for every environment: production differs only by environment
variables (see README.md and .env.example). Development is the default when
DJANGO_DEBUG=1; with debug off the site refuses to start on the development
secret key or without DJANGO_ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .cache_url import parse_cache_url, parse_limits_cache_url
from .media_storage import parse_media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# Debug is off unless asked for: a production box that forgets the variable
# fails safe. `make run` and the test suite turn it on.
DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG and (
    SECRET_KEY in ("", DEV_SECRET_KEY)
    # Django's own test for a weak key (check --deploy, security.W009), refused here at start-up.
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to a long random value (50 characters or more) when DJANGO_DEBUG is off, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS (comma-separated) when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    # Editorial workflow in the admin: revisions with restore, drag-and-drop
    # ordering of inlines, and a rich-text editor bound to our allowlist.
    "reversion",
    "adminsortable2",
    "django_prose_editor",
    # Admin logins: too many failures from one client lock it out for a while.
    "axes",
    # Content-Security-Policy header (CSPMiddleware below; the policy is CONTENT_SECURITY_POLICY).
    "csp",
    # Our apps, lowest layer first: each imports only the ones listed before it (README, "Architecture").
    "core",
    "products",
    "articles",
    "newsletter",
]

MIDDLEWARE = [
    # The security headers first, outside everything that can answer early (a
    # static file, a page-cache hit or 304, a 400, an error page): every
    # response carries the same ones. tests/core/test_security_headers.py.
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before anything reads the request: a NUL character gets a 400, never a 500.
    "core.middleware.RejectImpossibleInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache: counts article views on cache hits too (in memory, written in batches).
    "articles.pageviews.ArticleViewMiddleware",
    # Scheduled changes to live articles go live before the page cache answers.
    "articles.middleware.DraftPublishingMiddleware",
    # Before sessions and CSRF: a cached public page needs neither.
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "articles.middleware.RedirectFallbackMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out client before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords from one client (an IPv6 /64 counts as one) lock it out for 15 minutes;
# a right password resets the count. Failures are kept in the database (the admin lists them).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_network"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "kuru_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "kuru_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for several processes, as Django's docs advise: write-ahead logging (readers go on
    # while one process writes; a commit is no longer an fsync: the article-view batch's commit
    # took ~20 ms here and cost hits 100-200 µs each), writers that wait instead of failing with
    # "database is locked", and write transactions that take their lock when they begin.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        transaction_mode="IMMEDIATE",
    )

# The cache behind the page cache. Several processes need a shared one (db:// or redis://).
# Rate-limit counters and signup stamps live apart, where page entries cannot evict them.
CACHES = {
    "default": parse_cache_url(os.environ.get("CACHE_URL", "locmem://")),
    "limits": parse_limits_cache_url(os.environ.get("LIMITS_CACHE_URL") or os.environ.get("CACHE_URL", "locmem://")),
}
# Pages one client may add to the page cache per minute; past it they are rendered, not stored.
PAGE_CACHE_STORES_PER_MINUTE = int(os.environ.get("PAGE_CACHE_STORES_PER_MINUTE", "60"))
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
# Names the code's release in page-cache keys (e.g. the deployed commit); empty: a fingerprint of the
# templates, Python files and static manifest (core.pagecache.code_release()).
PAGE_CACHE_RELEASE = os.environ.get("PAGE_CACHE_RELEASE", "")
# Hosts the product feed's image links may name although they are on a private or local
# network (products/merchant_feed.py refuses those otherwise), comma-separated.
PRODUCT_FEED_IMAGE_HOSTS = [h for h in os.environ.get("PRODUCT_FEED_IMAGE_HOSTS", "").split(",") if h.strip()]
# Seconds a shared cache (CDN, proxy) may keep a public page; browsers revalidate.
PAGE_CACHE_SHARED_MAX_AGE = int(os.environ.get("PAGE_CACHE_SHARED_MAX_AGE", "60"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The zone staff read and enter times in (the admin names it); stored times are UTC.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
# One language, English: without the translation machinery every template variable
# and {% url %} skips an active-language lookup (about 8 % of an article page's render).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads and renditions: local disk (MEDIA_ROOT) by default, or an S3-compatible
# bucket with MEDIA_STORAGE=s3 (kuru_site/media_storage.py lists the variables).
MEDIA_STORAGE, MEDIA_ORIGIN = parse_media_storage(os.environ)
# Django serves local uploads itself unless a web server does; a bucket serves its own.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", MEDIA_ORIGIN is None)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Upload limits: uploads larger than this are refused before Pillow opens them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Forms on cached pages carry no token; a post without one gets its form back as typed.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Reading time: words per minute of an adult reading health copy on screen.
# 265 is the rate Medium popularised; docs/content-format.md shows the seed gives 11.
READING_WORDS_PER_MINUTE = int(os.environ.get("READING_WORDS_PER_MINUTE", "265"))


# Security: secure defaults whenever debug is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features no page of ours uses (core.middleware.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# The shop's own site(s), where /go/ sends shoppers (the feed's links): comma-separated origins.
SHOP_ORIGINS = env_list("DJANGO_SHOP_ORIGINS") or ["https://www.kurufootwear.com"]
# No inline script or style anywhere on the public site (JSON-LD data blocks are
# not scripts), and no nonce there: cached pages are byte-identical for every
# visitor. NONCE is dropped from a response unless its view asked for
# request.csp_nonce, which only the admin's rich-text forms do (their editor's
# inline import map; admin pages are never cached). README "Security headers".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Uploaded images come from the bucket or its CDN when media is not on this site.
        "img-src": [SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The product page's Buy form goes to /go/, which redirects to the shop: browsers check
        # form-action on every redirect of a form's submission, so the shop's origins are named.
        "form-action": [SELF, *SHOP_ORIGINS],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
# The admin's rich-text editor (django-prose-editor's editor.js) inserts one
# <style> element: allowed by its hash on admin pages only, never 'unsafe-inline'.
# A new editor version changes the hash; tests/browser/test_csp_browser.py says so.
ADMIN_CONTENT_SECURITY_POLICY_UPDATE = {"style-src": ["'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"]}
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "KURU Footwear <news@localhost>")

# Background work (django-tasks, the backport of Django 6's tasks). The
# immediate backend runs a task inside the request that enqueued it (after its
# transaction commits); production uses the database backend and runs
# `manage.py db_worker` beside the web server.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# The newsletter.
NEWSLETTER_DOUBLE_OPT_IN = env_bool("NEWSLETTER_DOUBLE_OPT_IN", True)
NEWSLETTER_CONSENT_TEXT = os.environ.get(
    "NEWSLETTER_CONSENT_TEXT",
    "I agree to receive KURU’s foot-health newsletter by email. Unsubscribe at any time.",
)
NEWSLETTER_CONSENT_VERSION = os.environ.get("NEWSLETTER_CONSENT_VERSION", "2026-11")
# "truncated" (IPv4 /24, IPv6 /48: the default), "none" or "full".
NEWSLETTER_IP_STORAGE = os.environ.get("NEWSLETTER_IP_STORAGE", "truncated")
# Signups per client IP per minute; the count lives in the cache (shared across
# processes when CACHE_URL is shared).
NEWSLETTER_RATE_LIMIT_PER_MINUTE = int(os.environ.get("NEWSLETTER_RATE_LIMIT_PER_MINUTE", "5"))
# A signup form's stamp (from the page, or from /newsletter/token/ on cached
# pages): sent sooner than this after it was issued, the form is treated as a bot;
# older than the maximum, or used before, it comes back to be sent once more.
NEWSLETTER_MIN_FILL_SECONDS = float(os.environ.get("NEWSLETTER_MIN_FILL_SECONDS", "2"))
NEWSLETTER_FORM_MAX_AGE = int(os.environ.get("NEWSLETTER_FORM_MAX_AGE", "3600"))
NEWSLETTER_CONFIRM_MAX_AGE = int(os.environ.get("NEWSLETTER_CONFIRM_MAX_AGE", str(7 * 24 * 3600)))
NEWSLETTER_UNSUBSCRIBE_MAX_AGE = int(os.environ.get("NEWSLETTER_UNSUBSCRIBE_MAX_AGE", str(2 * 365 * 24 * 3600)))
# Sending an issue (newsletter/sending.py): messages per minute, spaced evenly (0: no limit);
# a worker sends for at most NEWSLETTER_SEND_RUN_SECONDS per task, then the next task goes on.
NEWSLETTER_SEND_PER_MINUTE = int(os.environ.get("NEWSLETTER_SEND_PER_MINUTE", "300"))
NEWSLETTER_SEND_RUN_SECONDS = float(os.environ.get("NEWSLETTER_SEND_RUN_SECONDS", "60"))
# A delivery claimed this long ago and never marked sent was being sent by a worker that died:
# it is tried again. Longer than one SMTP exchange can take (DJANGO_EMAIL_TIMEOUT).
NEWSLETTER_SEND_CLAIM_TIMEOUT = float(os.environ.get("NEWSLETTER_SEND_CLAIM_TIMEOUT", "300"))
# Temporary SMTP failures (4xx) per delivery before it is marked failed.
NEWSLETTER_SEND_MAX_ATTEMPTS = int(os.environ.get("NEWSLETTER_SEND_MAX_ATTEMPTS", "4"))
# The sender's physical postal address, in every issue's footer (CAN-SPAM asks for one).
NEWSLETTER_POSTAL_ADDRESS = os.environ.get(
    "NEWSLETTER_POSTAL_ADDRESS", "KURU Footwear, 2901 Main Street, Salt Lake City, UT 84115, USA"
)
# Bounces and complaints (newsletter/webhooks.py): the webhook of the mail provider
# NEWSLETTER_ESP names (mailgun, postmark or mailersend) is at
# /newsletter/webhooks/<NEWSLETTER_ESP>/tracking/, once that provider's secrets are set:
# the basic-auth "user:password" goes in the webhook URL the provider calls (mailgun,
# postmark), and the signing key is the provider's (mailgun, mailersend).
NEWSLETTER_ESP = os.environ.get("NEWSLETTER_ESP", "mailgun").strip().lower()
ANYMAIL = {
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", ""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "MAILERSEND_SIGNING_SECRET": os.environ.get("MAILERSEND_SIGNING_SECRET", ""),
}
# Shoppers' ratings per client (IP, kept only as a keyed hash in the cache) per hour.
RATING_RATE_LIMIT_PER_HOUR = int(os.environ.get("RATING_RATE_LIMIT_PER_HOUR", "5"))
# Article views are counted in each process and written every N views or T
# seconds, whichever comes first (0 turns that trigger off). A crash loses at
# most one batch per process; see products/pageviews.py.
ARTICLE_VIEWS_FLUSH_EVERY = int(os.environ.get("ARTICLE_VIEWS_FLUSH_EVERY", "1000"))
ARTICLE_VIEWS_FLUSH_SECONDS = float(os.environ.get("ARTICLE_VIEWS_FLUSH_SECONDS", "60"))
# Absolute links in emails (https in production).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a shared article preview link works.
ARTICLE_PREVIEW_LINK_DAYS = int(os.environ.get("ARTICLE_PREVIEW_LINK_DAYS", "3"))
# The List-Id of newsletter issues (RFC 2919) and the domain of their Message-IDs.
NEWSLETTER_LIST_DOMAIN = os.environ.get(
    "NEWSLETTER_LIST_DOMAIN", "newsletter." + (SITE_URL.split("//", 1)[-1].split("/")[0].split(":")[0] or "localhost")
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
