"""Every public page is valid HTML according to the W3C Nu HTML Checker (npm vnu-jar, run with Java)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = {
    "home": "/",
    "blog": "/blog/",
    "article": "/blog/can-foot-pain-cause-knee-pain/",
    "topic": "/blog/topics/knee-pain/",
    "author": "/authors/kuru-footwear/",
    "search": "/search/?q=knee+pain",
    "search-empty": "/search/?q=%21%21%21",
    "shop": "/shop/",
    "shop-women": "/shop/women/",
    "product": "/shop/atom-mens-athletic-sneaker-jet-black-white-fire-red/",
    "product-review": "/shop/atom-mens-athletic-sneaker-jet-black-white-fire-red/review/",
    "product-sold-out": "/go/atom-mens-athletic-sneaker-jet-black-white-fire-red/?colour=Jet+Black-White-Fire+Red&size=7&width=Wide",
    "newsletter": "/newsletter/",
    "newsletter-result": "/blog/can-foot-pain-cause-knee-pain/?newsletter=check-inbox",
    "404": "/no-such-page/",
}


@pytest.fixture(scope="module")
def java():
    missing = [what for what, ok in (("java", shutil.which("java")), ("vnu.jar", VNU.exists())) if not ok]
    if missing:
        message = f"Missing {', '.join(missing)}: apt-get install default-jre-headless; npm ci (make test does this)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return shutil.which("java")


def test_public_pages_have_no_html_errors(java, client, demo, tmp_path):
    from articles.preview import share_url

    files = {}
    shared_preview = share_url(demo).removeprefix(settings.SITE_URL)
    for name, url in {**PAGES, "shared-preview": shared_preview}.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        files[name] = tmp_path / f"{name}.html"
        files[name].write_bytes(response.content)
    # Django renders 500.html with no request and no context processors.
    files["500"] = tmp_path / "500.html"
    files["500"].write_text(render_to_string("500.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--stdout", "--errors-only", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    errors = [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == [], "\n".join(errors)
