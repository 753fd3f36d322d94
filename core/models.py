"""The media library: one row per picture, however many heroes, figures, products and avatars use it."""

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router

from .images import alt_text_problem, content_name, prepare_image, store_image, validate_image_file

FRACTION = [MinValueValidator(0), MaxValueValidator(1)]
# What an image remembers of the file its row holds, to know when a save stores another one.
STORED_FILE_FIELDS = {"file", "file_width"}


class ImageQuerySet(models.QuerySet):
    def from_bytes(self, data: bytes, folder: str, *, alt: str = "", title: str = "") -> "Image":
        """The library image of these bytes: stored by content, so the same picture twice is one image.

        A new image takes `alt` and `title`; an existing one gains them only where it has none.
        """
        image = self.with_content(data)
        if image is None:
            name = store_image(data, folder)
            image = self.model(file=name, alt=alt[:250], title=title[:200])
            image.save()
        elif (alt and not image.alt) or (title and not image.title):
            image.alt, image.title = image.alt or alt[:250], image.title or title[:200]
            image.save(update_fields=["alt", "title"])
        return image

    def with_content(self, data: bytes) -> "Image | None":
        """The library image holding these bytes (stored in any folder), or None."""
        file_name, _data = content_name(data)
        return self.filter(models.Q(file=file_name) | models.Q(file__endswith=f"/{file_name}")).first()


class Image(models.Model):
    file = models.ImageField(
        upload_to="images/",
        unique=True,
        width_field="file_width",
        height_field="file_height",
        validators=[validate_image_file],
        help_text="JPEG, PNG or WebP, at most 10 MB. Stored under a name made from its content.",
    )
    title = models.CharField(
        max_length=200, blank=True, help_text="For finding the image in the library; the file’s name when empty."
    )
    alt = models.CharField(
        "default alt text",
        max_length=250,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. Each use may say it differently.",
    )
    credit = models.CharField(
        "credit and licence", max_length=250, blank=True, help_text="e.g. “Photo: Ana Ruiz, CC BY 4.0”."
    )
    file_width = models.PositiveIntegerField("width", null=True, blank=True, editable=False)
    file_height = models.PositiveIntegerField("height", null=True, blank=True, editable=False)
    file_renditions = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Widths of the renditions made of the image, narrowest first; written with them.",
    )
    focal_x = models.FloatField(
        "focal point x",
        null=True,
        blank=True,
        validators=FRACTION,
        help_text="Where the subject is, from the left edge (0) to the right (1). Empty: the centre.",
    )
    focal_y = models.FloatField(
        "focal point y",
        null=True,
        blank=True,
        validators=FRACTION,
        help_text="Where the subject is, from the top (0) to the bottom (1). Empty: the centre.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1) | models.Q(focal_x__isnull=True),
                name="image_focal_x_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(focal_y__gte=0, focal_y__lte=1) | models.Q(focal_y__isnull=True),
                name="image_focal_y_fraction",
            ),
        ]

    def __str__(self):
        return self.title or PurePosixPath(self.file.name).name

    def save(self, *args, **kwargs):
        upload = self.file and not self.file._committed
        if upload and not self.title:
            # The stored name is a hash: keep the name staff know the picture by.
            self.title = PurePosixPath(self.file.name).stem.replace("_", " ").replace("-", " ")[:200]
        writes_file = kwargs.get("update_fields") is None or "file" in kwargs["update_fields"]
        if writes_file:
            prepare_image(self, "file")
        # Read by core.tasks.queue_replaced_image_files_removal (post_save): the old file leaves storage
        # once this save commits.
        self._replaced_file = self._file_replaced(kwargs.get("using")) if writes_file else None
        super().save(*args, **kwargs)
        if writes_file:
            self._remember_stored_file()

    def get_absolute_url(self):
        return self.file.url

    @classmethod
    def from_db(cls, db, field_names, values):
        image = super().from_db(db, field_names, values)
        image._remember_stored_file()
        return image

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        fields = None if fields is None else set(fields)
        super().refresh_from_db(using, fields, from_queryset)
        if fields is None or STORED_FILE_FIELDS <= fields:
            self._remember_stored_file()
        elif STORED_FILE_FIELDS & fields:
            self.__dict__.pop("_stored_file", None)  # half of it from the database: ask it again when saving

    def _remember_stored_file(self) -> None:
        """Note (name, width) of the file the row holds, as loaded or saved; unknown while either is deferred."""
        if STORED_FILE_FIELDS & self.get_deferred_fields():
            self.__dict__.pop("_stored_file", None)
        else:
            self._stored_file = (self.file.name or "", self.file_width)

    def _file_replaced(self, using) -> tuple[str, int | None] | None:
        """(name, width) of the file the row holds when this save stores another one in its place, or None.

        Known without a query for an image loaded or saved before; asked of the database otherwise
        (an instance made with the pk of a row, or loaded without its file).
        """
        if self.pk is None:
            return None
        stored = self.__dict__.get("_stored_file")
        if stored is None:
            db = using or router.db_for_write(type(self), instance=self)
            stored = type(self)._base_manager.using(db).filter(pk=self.pk).values_list("file", "file_width").first()
        if stored and stored[0] and stored[0] != self.file.name:
            return stored
        return None

    def clean(self):
        errors = {}
        if self.alt and self.file and (problem := alt_text_problem(self.alt, self.file.name)):
            errors["alt"] = problem  # may be empty (each use then needs its own), never a file name
        if (self.focal_x is None) != (self.focal_y is None):
            errors["focal_y" if self.focal_y is None else "focal_x"] = (
                "Set both coordinates of the focal point, or neither (the centre)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def url(self):
        return self.file.url

    @property
    def width(self):
        return self.file_width

    @property
    def height(self):
        return self.file_height

    @property
    def focal_point(self) -> tuple[float, float]:
        """(x, y) of the subject as fractions of the width and height; the centre when unset."""
        if self.focal_x is None or self.focal_y is None:
            return (0.5, 0.5)
        return (self.focal_x, self.focal_y)

    @property
    def focal_class(self) -> str:
        """CSS classes placing the focal point in an `object-fit: cover` frame (static/css/focal.css).

        `object-position: x% y%` puts the point x% across the picture x% across the frame,
        so the point is inside the frame whatever the frame's shape.
        """
        x, y = self.focal_point
        return f"fx-{round(x * 100)} fy-{round(y * 100)}"

    def alt_problem(self, alt: str) -> str | None:
        """Why `alt` (a use's text, or this image's default) cannot describe the picture, or None."""
        return alt_text_problem(alt or self.alt, self.file.name)

    def uses(self) -> list:
        """Every row that shows this image (heroes, figures, products, avatars…), found through its relations."""
        found = []
        for relation in self._meta.related_objects:
            if relation.one_to_many:
                model = relation.related_model
                found += list(model._default_manager.filter(**{relation.field.name: self}).order_by("pk"))
        return found


def image_alt(image, override: str) -> str:
    """The alt text one use shows: its own when it has one, the library image's default otherwise."""
    if override:
        return override
    return image.alt if image is not None else ""


def check_image_alt(image, override: str, alt_field: str, errors: dict) -> None:
    """For model clean(): add an error for `alt_field` when a use of `image` would show alt text that says nothing."""
    if image is not None:
        problem = image.alt_problem(override)
        if problem:
            errors[alt_field] = problem
