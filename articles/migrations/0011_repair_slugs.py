"""Give every topic, author and article a slug its URL can be built from.

The article importer stored `slugify(name)` for topics, which is empty for a
name such as `Боль в колене` or `!!!`, and the author importer stored slugs
unchecked: one such row made /blog/, its articles and the sitemap answer 500.
Those rows get the transliterated name (`bol-v-kolene`) or a numbered fallback
(`topic-2`). Reversing keeps the repaired slugs: the old ones broke pages.
"""

import re

from django.db import migrations

URL_SLUG = re.compile(r"\A[-a-zA-Z0-9_]+\Z")  # django.urls.converters.SlugConverter.regex


def repair_slugs(apps, schema_editor):
    from anyascii import anyascii
    from django.utils.text import slugify

    for model_name, source, fallback, max_length in (
        ("Topic", "name", "topic", 80),
        ("Author", "name", "author", 120),
        ("Article", "title", "article", 200),
    ):
        model = apps.get_model("articles", model_name)
        taken = set(model.objects.values_list("slug", flat=True))
        for pk, slug, text in model.objects.order_by("pk").values_list("pk", "slug", source):
            if URL_SLUG.match(slug or ""):
                continue
            base = slugify(anyascii(text or ""))[: max_length - 6].strip("-_") or fallback
            new, number = base, 2
            while new in taken:
                new, number = f"{base}-{number}", number + 1
            taken.add(new)
            model.objects.filter(pk=pk).update(slug=new)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_fill_image_renditions"),
    ]

    operations = [migrations.RunPython(repair_slugs, migrations.RunPython.noop)]
