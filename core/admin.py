"""The media library in the admin: the Image list and form (thumbnail, focal point, uses) and the chooser
widget every image field of the other apps' admins uses."""

from csp.constants import SELF
from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from .images import ImageUploadField, available_renditions
from .models import Image

CHOOSER_JS = ["admin/js/vendor/jquery/jquery.min.js", "admin/js/jquery.init.js", "admin/js/image_chooser.js"]
# On the library's own pages: hands a pick or an upload to the chooser dialog that frames them.
CHOOSER_FRAME_JS = ["admin/js/image_chooser_frame.js"]
CHOOSER_CSS = {"all": ["css/focal.css", "admin/css/image_library.css"]}


class DateHierarchyChangeList(ChangeList):
    """Django reads a date_hierarchy year or month past the calendar (?created_at__year=99999999999999999999,
    or December of 9999, whose next month is out of range) as an OverflowError: a 500. This list answers
    it as any other bad filter: the admin's "?e=1" page."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as e:
            raise IncorrectLookupParameters(e) from e


class DateHierarchyMixin:
    """For a ModelAdmin with a date_hierarchy."""

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList


def thumbnail(image, size=80):
    """A small picture of a library image for admin pages: its narrowest JPEG rendition, or the original."""
    if image is None or not image.file:
        return ""
    jpegs = available_renditions(image.file)["jpg"]
    url = jpegs[0][0] if jpegs else image.file.url
    return format_html(
        '<img class="image-thumb {}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
        image.focal_class,
        url,
        size,
        size,
    )


class ImageChooserWidget(ForeignKeyRawIdWidget):
    """A library image field: the chosen image's thumbnail and title, "Choose image" (the library in a modal
    dialog on the page: search, pick, or upload a new one there) and "Remove". Without JavaScript the link
    opens the library's page and the id input takes the image's number."""

    template_name = "admin/widgets/image_chooser.html"

    class Media:
        js = CHOOSER_JS
        css = CHOOSER_CSS

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        image = Image.objects.filter(pk=value).first() if value not in (None, "") and str(value).isdigit() else None
        context["image"] = image
        context["thumbnail"] = thumbnail(image, 96)
        try:
            context["preview_url"] = reverse("admin:core_image_chooser_preview", args=[0])
        except NoReverseMatch:
            context["preview_url"] = ""
        return context

    def label_and_url_for_value(self, value):
        return "", ""  # the template shows the title beside the thumbnail


class ImageChooserMixin:
    """For a ModelAdmin or inline: every ForeignKey to the library gets the chooser widget."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.remote_field.model is Image:
            kwargs["widget"] = ImageChooserWidget(db_field.remote_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The chooser has its own "choose" and "upload" (in the popup): no select-box "+" and pencil links.
        if formfield is not None and isinstance(getattr(formfield.widget, "widget", None), ImageChooserWidget):
            formfield.widget = formfield.widget.widget
        return formfield


class FocalPointWidget(forms.NumberInput):
    """A number input (0 to 1) the focal point picker (focal_point.js) fills when staff click the picture."""

    def __init__(self, axis):
        super().__init__(attrs={"min": 0, "max": 1, "step": "0.01", "class": f"focal-input focal-input--{axis}"})


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "title", "alt", "credit", "focal_x", "focal_y"]
        widgets = {"focal_x": FocalPointWidget("x"), "focal_y": FocalPointWidget("y")}
        field_classes = {"file": ImageUploadField}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "read") and "file" in self.changed_data:
            upload.seek(0)
            existing = Image.objects.with_content(upload.read())
            upload.seek(0)
            if existing is not None and existing.pk != self.instance.pk:
                raise forms.ValidationError(
                    f"This picture is in the library already, as “{existing}” (number {existing.pk}): "
                    "choose that image instead of uploading it again."
                )
        return upload


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["picture", "alt", "size", "use_count", "created_at"]
    search_fields = ["title", "alt", "credit"]
    list_per_page = 40
    readonly_fields = ["focal_picker", "size", "renditions", "used_in"]
    fieldsets = [
        (None, {"fields": ["file", "title", "alt", "credit"]}),
        (
            "Focal point",
            {
                "fields": ["focal_picker", "focal_x", "focal_y"],
                "description": "Click the subject (or move the marker with the arrow keys): every crop keeps it in "
                "the frame. Empty: the centre.",
            },
        ),
        ("Details", {"fields": ["size", "renditions", "used_in"]}),
    ]
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}

    popup_response_template = "admin/core/image/popup_response.html"

    class Media:
        js = ["admin/js/focal_point.js", *CHOOSER_FRAME_JS]
        css = CHOOSER_CSS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                use_total=sum(
                    (models.Count(relation.get_accessor_name(), distinct=True) for relation in _relations()),
                    models.Value(0),
                )
            )
        )

    def changelist_view(self, request, extra_context=None):
        return _frameable_in_popup(request, super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return _frameable_in_popup(request, super().changeform_view(request, object_id, form_url, extra_context))

    def get_urls(self):
        preview = self.admin_site.admin_view(self.chooser_preview_view)
        return [
            path("<int:object_id>/chooser-preview/", preview, name="core_image_chooser_preview"),
            *super().get_urls(),
        ]

    def chooser_preview_view(self, request, object_id):
        """The chooser's thumbnail and title for one image (image_chooser.js shows it once an image is picked)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(Image, pk=object_id)
        return HttpResponse(format_html("{}<span class='image-chooser__title'>{}</span>", thumbnail(image, 96), image))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"focal_x", "focal_y", "file"} & set(form.changed_data):
            # Crops made from the image (an article's social image) follow its new focal point.
            for use in obj.uses():
                if hasattr(use, "image_changed"):
                    use.image_changed()

    @admin.display(description="Image", ordering="title")
    def picture(self, image):
        # Thumbnail and title in one cell, side by side: the chooser picks an image with a click on either.
        return format_html(
            "<span class='image-list__item'>{}<span class='image-list__title'>{}</span></span>",
            thumbnail(image, 64),
            image,
        )

    @admin.display(description="Size")
    def size(self, image):
        return f"{image.file_width}×{image.file_height} px" if image.file_width else "—"

    @admin.display(description="Uses", ordering="use_total")
    def use_count(self, image):
        return image.use_total

    @admin.display(description="Renditions")
    def renditions(self, image):
        widths = image.file_renditions or []
        return ", ".join(f"{w} px" for w in widths) or "None yet."

    @admin.display(description="Focal point")
    def focal_picker(self, image):
        if not image.pk or not image.file:
            return "Save the image first, then click its subject here."
        x, y = image.focal_point
        jpegs = available_renditions(image.file)["jpg"]
        wide = [url for url, w in jpegs if w >= 640]
        url = wide[0] if wide else image.file.url
        return format_html(
            '<div class="focal-picker" data-x="{}" data-y="{}">'
            '<img src="{}" alt="{}" width="{}" height="{}">'
            '<button type="button" class="focal-picker__marker" '
            'aria-label="Focal point: {}% from the left, {}% from the top"></button></div>',
            x,
            y,
            url,
            image.alt,
            image.file_width or "",
            image.file_height or "",
            round(x * 100),
            round(y * 100),
        )

    @admin.display(description="Used in")
    def used_in(self, image):
        uses = image.uses() if image.pk else []
        if not uses:
            return "Not used yet."
        return format_html(
            "<ul class='image-uses'>{}</ul>",
            format_html_join(
                "", "<li>{}: {}</li>", ((use._meta.verbose_name.capitalize(), _link(use)) for use in uses)
            ),
        )


def _frameable_in_popup(request, response):
    """Let this site's own pages, and no other, frame the library's popup pages: the image chooser's dialog
    (image_chooser.js) shows them. Every other admin page stays unframeable (X_FRAME_OPTIONS, the CSP)."""
    if IS_POPUP_VAR in request.GET or IS_POPUP_VAR in request.POST:
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_replace = {"frame-ancestors": [SELF]}
    return response


def _relations():
    return [relation for relation in Image._meta.related_objects if relation.one_to_many]


def _link(obj):
    """A link to `obj`'s admin page, or its name when it has none (a section: its article's page)."""
    target = obj
    if not _admin_url(obj) and hasattr(obj, "article"):
        target = obj.article
    elif not _admin_url(obj) and hasattr(obj, "product"):
        target = obj.product
    url = _admin_url(target)
    label = str(obj) if target is obj else f"{obj} (in “{target}”)"
    return format_html('<a href="{}">{}</a>', url, label) if url else label


def _admin_url(obj):
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""
