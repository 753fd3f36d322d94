"""Write an article back in the content format, so it can be edited and imported again."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.content import article_to_markdown
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Export an article as Markdown with TOML front matter. With --output, images are copied "
        "into an images/ folder beside the file; without it the Markdown goes to standard output "
        "and names the stored image files by absolute path (by URL when media is in a bucket)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", metavar="PATH.md")

    def handle(self, *args, slug, output=None, **options):
        article = Article.objects.select_related("author").filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article with slug '{slug}'.")
        if output is None:
            self.stdout.write(article_to_markdown(article, _stored_location), ending="")
            return
        output = Path(output)
        images = output.parent / "images"

        def image_ref(field_file):
            images.mkdir(parents=True, exist_ok=True)
            name = Path(field_file.name).name
            # Through the storage: the file may be on this disk or in a bucket.
            with field_file.storage.open(field_file.name, "rb") as source:
                (images / name).write_bytes(source.read())
            return f"images/{name}"

        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(article_to_markdown(article, image_ref), encoding="utf-8")
        self.stdout.write(f"Wrote {output}.")


def _stored_location(field_file) -> str:
    """The stored file's absolute path, or its URL where the storage has no paths (a bucket)."""
    try:
        return field_file.path
    except NotImplementedError:
        return field_file.url
