import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.admin_forms import staff_user


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, a throw-away media folder and an empty cache for every test.

    The page cache is off unless a test asks for it with the `page_cache`
    fixture: view tests check rendering, tests/test_pagecache.py checks caching.
    """
    from django.core.cache import cache, caches

    from articles import pageviews
    from core import cacheguard

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAGE_CACHE_ENABLED = False
    # Article views are written only when a test calls flush() or sets a threshold:
    # the exact query counts of page tests never include a flush.
    settings.ARTICLE_VIEWS_FLUSH_EVERY = 0
    settings.ARTICLE_VIEWS_FLUSH_SECONDS = 0
    pageviews.discard()
    cacheguard.reset()
    cache.clear()
    caches["limits"].clear()
    yield
    cacheguard.reset()
    cache.clear()
    caches["limits"].clear()
    pageviews.discard()


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture(scope="session")
def load_demo(tmp_path_factory):
    """A function loading the demo into the current test's database and media folder.

    The first call makes the image renditions (seconds); later calls find the
    same files already there, copied from that first test's media: rendition
    names come from the image bytes, so they are the ones the import would write.
    tests/articles/test_images.py checks rendition making itself.
    """
    from django.conf import settings

    made = tmp_path_factory.mktemp("demo-renditions") / "renditions"

    def load():
        media = Path(settings.MEDIA_ROOT)
        if made.exists():
            shutil.copytree(made, media / "renditions", dirs_exist_ok=True)
        call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
        if not made.exists():
            shutil.copytree(media / "renditions", made)

    return load


@pytest.fixture
def demo(db, load_demo):
    """The seed article, its author and its three products, loaded from content/."""
    load_demo()
    from articles.models import Article

    return Article.objects.get(slug="can-foot-pain-cause-knee-pain")


@pytest.fixture
def editor(client, django_user_model):
    """The test client, logged in as a member of Editors."""
    client.force_login(staff_user(django_user_model, "edna", "Editors"))
    return client


@pytest.fixture
def writer(client, django_user_model):
    """The test client, logged in as a member of Writers."""
    client.force_login(staff_user(django_user_model, "walt", "Writers"))
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """The test client, logged in as a superuser."""
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    return client


class RedisServer:
    """A redis-server of the test's own on a free 127.0.0.1 port, stopped by its pid."""

    def __init__(self, process, port):
        self.process, self.port = process, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.frozen = False

    def freeze(self):
        """SIGSTOP: connections are accepted by the kernel, nothing is answered."""
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        if self.frozen:
            os.kill(self.process.pid, signal.SIGCONT)
            self.frozen = False

    def stop(self):
        self.thaw()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    """A running redis-server; skipped without one (a failure under CI=true)."""
    server = shutil.which("redis-server")
    if not server:
        message = "redis-server not found: install Debian's package with `apt-get install redis-server`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    redis = RedisServer(subprocess.Popen([server, *args], stdout=subprocess.DEVNULL), port)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        yield redis
    finally:
        redis.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The endpoint URL of moto's standalone S3 server, on a free 127.0.0.1 port for the session.

    Skipped without moto (a failure under CI=true); stopped by its pid at the end.
    """
    server = Path(sys.executable).parent / "moto_server"
    if not server.exists():
        message = "moto_server not found: install the test tools with `.venv/bin/pip install -r requirements-dev.txt`."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    process = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"moto_server did not start; see {log.name}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        log.close()


def public_read_policy(bucket: str) -> str:
    """The bucket policy README "Media storage" gives: public reads of every object."""
    import json

    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class S3Media:
    """A test's own bucket on the moto server, and a boto3 client to look inside it."""

    def __init__(self, client, bucket, origin):
        self.client, self.bucket, self.origin = client, bucket, origin

    def keys(self, prefix="") -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture
def s3_media(s3_server, settings):
    """Media in a fresh bucket: STORAGES["default"] is django-storages' S3Storage, configured from
    variables by the same parse_media_storage() the settings call (MEDIA_ROOT is left empty)."""
    import boto3

    from kuru_site.media_storage import parse_media_storage

    env = {
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_BUCKET": f"kuru-test-{uuid.uuid4().hex[:12]}",
        "MEDIA_S3_ENDPOINT_URL": s3_server,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACCESS_KEY_ID": "test-key",
        "MEDIA_S3_SECRET_ACCESS_KEY": "test-secret",
    }
    storage, origin = parse_media_storage(env)
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=env["MEDIA_S3_BUCKET"])
    # As README "Media storage" asks: anyone may read the files, only the site's keys write.
    client.put_bucket_policy(Bucket=env["MEDIA_S3_BUCKET"], Policy=public_read_policy(env["MEDIA_S3_BUCKET"]))
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_ORIGIN = origin
    csp = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**csp, "img-src": [*csp["img-src"], origin]}}
    media = S3Media(client, env["MEDIA_S3_BUCKET"], origin)
    yield media
    for key in media.keys():
        client.delete_object(Bucket=media.bucket, Key=key)
    client.delete_bucket(Bucket=media.bucket)


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
