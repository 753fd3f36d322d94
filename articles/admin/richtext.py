"""The rich-text editor for the models' HTML fields, shared by every admin with such a field."""

from django import forms
from django_prose_editor.fields import ProseEditorFormField
from js_asset import Media

from core.richtext import EDITOR_EXTENSIONS, sanitize_html


class RichTextFormField(ProseEditorFormField):
    def has_changed(self, initial, data):
        # Browsers post a textarea's newlines as CRLF; compare what would be stored,
        # so an untouched body is not saved again or reported as changed in History.
        if self.disabled:
            return False
        return sanitize_html(initial or "") != sanitize_html(self.to_python(data) or "")


class RichTextMixin:
    """Edit the models' HTML fields in the rich-text editor, limited to the sanitizer's allowlist."""

    rich_text_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.rich_text_fields:
            return RichTextFormField(
                label=db_field.verbose_name.capitalize(),
                help_text=db_field.help_text,
                required=not db_field.blank,
                config={"extensions": EDITOR_EXTENSIONS},
                sanitize=sanitize_html,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @property
    def media(self):
        # List markers, quotes and a body that grows with its text; each editor named after its label.
        return super().media + forms.Media(css={"all": ["admin/css/rich_text.css"]}, js=["admin/js/rich_text.js"])

    def render_change_form(self, request, context, *args, **kwargs):
        # The editor loads through an inline <script type="importmap">, which the
        # Content-Security-Policy runs only with this request's nonce (settings.py).
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, *args, **kwargs)
