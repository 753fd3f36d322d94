"""Production settings come from the environment and refuse unsafe values."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-real-production-secret-" + "x7Qp" * 12,
    "DJANGO_ALLOWED_HOSTS": "blog.example.com",
    "SITE_URL": "https://blog.example.com",
}


def run_django(code, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "kuru_site.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_refuses_missing_secret_key():
    result = run_django("", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="blog.example.com")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_refuses_development_secret_key():
    result = run_django("", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="x", DJANGO_SECRET_KEY=settings.DEV_SECRET_KEY)
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["abc", "a" * 80, "django-insecure-" + "x7Qp" * 12, "short-but-varied-0123456789"])
def test_debug_off_refuses_a_weak_secret_key(key):
    result = run_django("", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="x", DJANGO_SECRET_KEY=key)
    assert result.returncode != 0 and "50 characters or more" in result.stderr


def test_debug_off_refuses_empty_allowed_hosts():
    result = run_django("", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=PRODUCTION_ENV["DJANGO_SECRET_KEY"])
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_unset_debug_means_production():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)",
        **{k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_DEBUG"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_settings_pass_check_deploy():
    result = run_django(
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING')",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_wants_an_https_site_url():
    result = run_django(
        "from django.core.management import call_command; call_command('check', deploy=True, fail_level='WARNING')",
        **{**PRODUCTION_ENV, "SITE_URL": "http://blog.example.com"},
    )
    assert result.returncode != 0 and "newsletter.W001" in result.stderr


def test_database_url_selects_postgres():
    result = run_django(
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://kuru:secret@127.0.0.1:5432/kuru",
        **PRODUCTION_ENV,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_tests_run_on_the_database_named_by_database_url(db):
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_production_static_files_are_hashed_and_cached_for_a_year(tmp_path):
    code = (
        "from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0); "
        "from django.templatetags.static import static; from django.test import Client; "
        "url = static('css/site.css'); r = Client().get(url, secure=True); "
        "print(url, r.status_code, r['Cache-Control'])"
    )
    code += (
        "; from django.core.files.storage import storages; "
        "print(type(storages['staticfiles']).__module__, type(storages['staticfiles']).__name__)"
    )
    env = {**PRODUCTION_ENV, "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_STATIC_ROOT": str(tmp_path / "static")}
    result = run_django(code, **env)
    assert result.returncode == 0, result.stderr
    first_line, storage_line = result.stdout.splitlines()
    assert storage_line == "whitenoise.storage CompressedManifestStaticFilesStorage"
    url, status, cache_control = first_line.split(" ", 2)
    assert url.startswith("/static/css/site.") and url.endswith(".css") and url != "/static/css/site.css"
    assert status == "200"
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600 and "immutable" in cache_control


def test_manage_py_defaults_to_development_only_without_a_secret():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = ["manage.py", "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"]
    dev = subprocess.run([sys.executable, *code], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True)
    assert dev.stdout.strip().endswith("True"), dev.stderr
    prod = subprocess.run(
        [sys.executable, *code],
        cwd=settings.BASE_DIR,
        env={**clean, **PRODUCTION_ENV, "DJANGO_DEBUG": ""},
        capture_output=True,
        text=True,
    )
    assert prod.stdout.strip().endswith("False"), prod.stderr
