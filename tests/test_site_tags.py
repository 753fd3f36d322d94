"""{% include_once %}: the site's chrome, rendered once per process."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.templatetags.site_tags import _rendered


def _chrome_templates():
    names = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names.update(re.findall(r'{% include_once "([^"]+)" %}', path.read_text()))
    return sorted(names)


def test_include_once_gives_what_include_gives():
    request = RequestFactory().get("/blog/some-article/")
    request.user = AnonymousUser()
    for name in _chrome_templates():
        context = {"request": request, "user": request.user}
        included = Template(f'{{% include "{name}" %}}').render(Context(context))
        once = Template(f'{{% load site_tags %}}{{% include_once "{name}" %}}').render(Context(context))
        assert once == included and "<a " in once, name


def test_chrome_templates_read_nothing_from_the_context():
    # Rendered once for all visitors and pages, they must not depend on either.
    names = _chrome_templates()
    assert {"includes/header.html", "includes/footer.html", "includes/shop_ctas.html"} <= set(names)
    request = RequestFactory().get("/products/women/")
    for name in names:
        assert render_to_string(name) == render_to_string(name, {"article": "x", "product": "y"}, request=request)
        source = Path(settings.BASE_DIR, "templates", name).read_text()
        assert not re.search(r"{{|{% (if|for|with) ", source), f"{name} uses the context"


def test_each_template_is_rendered_once_unless_debug(settings):
    page = Template('{% load site_tags %}{% include_once "includes/footer.html" %}')
    page.render(Context())
    before = _rendered.cache_info()
    assert page.render(Context()) == page.render(Context())
    after = _rendered.cache_info()
    assert after.hits == before.hits + 2 and after.misses == before.misses

    settings.DEBUG = True  # templates are edited while the server runs: no memory then
    page.render(Context())
    assert _rendered.cache_info() == after
