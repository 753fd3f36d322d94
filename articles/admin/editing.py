"""Live preview, autosave, who else is editing, and refusing a save over a newer one (articles/editing.py).

The preview writes the posted form over the rows in a transaction that is
rolled back once the page is rendered, like the draft views: the page is the
public template, read with `for_page()`. Rows with errors are left out and
named in the preview's notes. Uploads are ignored: nothing reaches storage.
"""

import secrets

from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.formsets import all_valid
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from .. import drafts, editing
from ..models import Article, Author
from ..publishing import article_draft_save
from ..views import render_live_preview
from .display import draft_of, local_time

VERSION_FIELD = "_edit_version"
AUTOSAVE_SECONDS = 20
HEARTBEAT_SECONDS = 30
ROW_ERRORS = (ValueError, IntegrityError, ValidationError)


def _formset_notes(formset) -> list[str]:
    """What is wrong in a posted formset, one note per error: "Sections: …", "Section 2: …" (rows to
    delete left out)."""
    noun = capfirst(formset.model._meta.verbose_name)
    notes = [f"{capfirst(formset.model._meta.verbose_name_plural)}: {e}" for e in formset.non_form_errors()]
    for index, row in enumerate(formset.forms, start=1):
        if not (formset.can_delete and formset._should_delete_form(row)):
            notes += [f"{noun} {index}: {error}" for errors in row.errors.values() for error in errors]
    return notes


def editing_notice(others) -> str:
    """ "Alice is editing this article too…", or "" when nobody else is."""
    if not others:
        return ""
    names = ", ".join(presence.user.get_full_name() or presence.user.get_username() for presence in others)
    verb = "is" if len(others) == 1 else "are"
    return (
        f"{names} {verb} editing this article too (active at {local_time(others[0].seen_at)}). "
        "If they save first, your save is refused and you are offered their version."
    )


class ArticleEditingMixin:
    """The live-preview, autosave and presence endpoints of ArticleAdmin, and the version check on save."""

    def get_urls(self):
        def url(route, view, name):
            return path(route, self.admin_site.admin_view(view), name=f"articles_article_{name}")

        return [
            url("live-preview/", self.live_preview_view, "live_preview_add"),
            url("<path:object_id>/live-preview/", self.live_preview_view, "live_preview"),
            url("add/autosave/", self.autosave_view, "autosave_add"),
            url("<path:object_id>/autosave/", self.autosave_view, "autosave"),
            url("<path:object_id>/editing/", self.editing_view, "editing"),
        ] + super().get_urls()

    # What the endpoints change in the admin's own methods (request.article_editing is set by them only).

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if getattr(request, "article_editing", False):
            # A preview shows, and an autosave keeps, the content: never whether or when it is public.
            fields += [name for name in ("status", "published_at") if name not in fields]
        return fields

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if getattr(request, "article_editing", False):
            kwargs["files"] = None  # uploads would reach storage, which no rollback undoes
        return kwargs

    def message_user(self, request, *args, **kwargs):
        if not getattr(request, "article_editing", False):
            super().message_user(request, *args, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "edit_conflict", None)
        if conflict is None:
            return form_class
        message = self._conflict_html(conflict, obj)

        def clean(form):
            cleaned = form_class.clean(form)
            form.add_error(None, message)
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})

    # The change form: presence, the version it was loaded from, the refused save.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = Article.objects.filter(pk=self._pk(object_id)).first()
        if article is None or not self.has_change_permission(request, article):
            return super().change_view(request, object_id, form_url, extra_context)
        current = editing.edit_version(article.pk)
        posted = request.POST.get(VERSION_FIELD, "") if request.method == "POST" else ""
        request.edit_conflict = conflict = (
            editing.edit_conflict(article=article, user=request.user, loaded_version=posted) if posted else None
        )
        # Refused once, the form carries the current version: saving again replaces it knowingly.
        request.edit_version = posted if posted and conflict is None else current
        if request.method != "POST":
            editing.editing_touch(article=article, user=request.user)
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and response.status_code == 302:
            editing.editing_touch(article=article, user=request.user, saved_version=editing.edit_version(article.pk))
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        editable = self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        # Not on a revision or recovery page: an autosave there would restore the revision unasked.
        form_page = getattr(request.resolver_match, "url_name", "") in (
            "articles_article_add",
            "articles_article_change",
        )
        if editable and form_page and not context.get("is_popup"):
            context["live_preview"] = {
                "url": reverse("admin:articles_article_live_preview_add")
                if add
                else reverse("admin:articles_article_live_preview", args=[obj.pk]),
                "add": add,
                "autosave_url": reverse("admin:articles_article_autosave_add")
                if add
                else reverse("admin:articles_article_autosave", args=[obj.pk]),
                "editing_url": "" if add else reverse("admin:articles_article_editing", args=[obj.pk]),
                "autosave_seconds": AUTOSAVE_SECONDS,
                "heartbeat_seconds": HEARTBEAT_SECONDS,
                "version": getattr(request, "edit_version", ""),
                "bound": request.method == "POST",
                "conflict": getattr(request, "edit_conflict", None) is not None,
                "notice": "" if add else editing_notice(editing.others_editing(obj, request.user)),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _conflict_html(self, conflict, article):
        who = (conflict.by.get_full_name() or conflict.by.get_username()) if conflict.by else "Someone"
        return format_html(
            "{} saved a newer version at {} while you were editing. Your changes are still in this form: "
            '<a href="{}" target="_blank">open their version</a> (new tab) to compare, then save again to '
            'replace it with yours, or <a href="{}">load their version</a> (your changes here are dropped).',
            who,
            local_time(conflict.at),
            reverse("articles:preview", args=[article.pk]),
            reverse("admin:articles_article_change", args=[article.pk]),
        )

    # The endpoints.

    def _editable_article(self, request, object_id):
        article = Article.objects.select_related("draft").filter(pk=self._pk(object_id)).first()
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied("No article of yours to change here.")
        return article

    def _posted_forms(self, request, article, add):
        """The admin's own form and inline formsets, bound to the POST (no files), on `article`."""
        fieldsets = self.get_fieldsets(request, None if add else article)
        form_class = self.get_form(
            request, None if add else article, change=not add, fields=flatten_fieldsets(fieldsets)
        )
        form = form_class(request.POST, None, instance=article)
        form.is_valid()
        formsets, _inlines = self._create_formsets(request, form.instance, change=not add)
        return form, formsets

    def live_preview_view(self, request, object_id=None):
        """POST only: the preview page of the posted, unsaved form; nothing is stored."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied("You may not add articles.")
            article = Article()
        else:
            article = self._editable_article(request, object_id)
            article.live_when_read = article.is_published()
        request.article_editing = "preview"
        request.saving_article_draft = True
        with transaction.atomic():
            if article.pk and (draft := draft_of(article)) is not None:
                drafts.apply_snapshot(article, draft.snapshot)
            form, formsets = self._posted_forms(request, article, add=object_id is None)
            for formset in formsets:
                formset.rule = None  # publishing rules are for saving; the preview shows what was typed
            notes = self._keep_valid(form, formsets)
            response = render_live_preview(request, article.pk, notes) if article.pk else None
            transaction.set_rollback(True)
        if response is None:
            return JsonResponse({"notes": notes}, status=400)
        return response

    def _keep_valid(self, form, formsets) -> list[str]:
        """Write what is valid in the posted forms (in the caller's transaction); notes on what is left out."""
        notes = [f"{self._label(form, name)}: {error}" for name, errors in form.errors.items() for error in errors]
        article = form.instance
        # A value in error may already be on the instance (a slug another article has is refused only
        # after it is set): the preview shows the value from before the edit, as for any other error.
        for name in form.errors:
            field = article._meta.get_field(name) if name in form.initial else None
            if field is not None and field.concrete and not field.many_to_many:
                setattr(article, field.attname, form.initial[name])
        if article.pk is None:
            # A new article: the preview needs an address and an author even before they are typed.
            article.slug = article.slug or f"live-preview-{secrets.token_hex(4)}"
            if article.author_id is None:
                author = Author.objects.order_by("pk").first()
                if author is None:
                    return [*notes, "Add an author to see the preview."]
                article.author = author
        try:
            with transaction.atomic():
                article.save()
        except ROW_ERRORS as error:
            return [*notes, f"The article cannot be shown yet: {error}"]
        if "topics" in form.cleaned_data:
            article.topics.set(form.cleaned_data["topics"])
        for formset in formsets:
            if formset.is_valid():
                formset.save()
                continue
            noun = capfirst(formset.model._meta.verbose_name)
            notes += _formset_notes(formset)
            for index, row in enumerate(formset.forms, start=1):
                deleted = formset.can_delete and formset._should_delete_form(row)
                if not deleted and not row.is_valid():
                    continue
                try:
                    with transaction.atomic():
                        if deleted:
                            if row.instance.pk:
                                row.instance.delete()
                        elif row.has_changed():
                            if row.instance.pk:
                                formset.save_existing(row, row.instance)
                            else:
                                formset.save_new(row)
                except ROW_ERRORS:
                    notes.append(f"{noun} {index} is left out until the rows it depends on are fixed.")
        article.refresh_derived()
        return notes

    @staticmethod
    def _label(form, name):
        field = form.fields.get(name)
        return capfirst(field.label) if field is not None and field.label else "Article"

    def autosave_view(self, request, object_id=None):
        """POST only: keep the posted form as the draft (live article) or as the draft article itself; JSON.

        Without `object_id` (the add form) a valid form creates the article, always as a draft;
        the answer gives its addresses so that the page goes on as its change form.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        add = object_id is None
        if add:
            if not self.has_add_permission(request):
                raise PermissionDenied("You may not add articles.")
            article = Article()
            loaded = ""
        else:
            article = self._editable_article(request, object_id)
            loaded = request.POST.get(VERSION_FIELD, "")
            conflict = editing.edit_conflict(article=article, user=request.user, loaded_version=loaded)
            if conflict is not None:
                return JsonResponse(
                    {
                        "saved": False,
                        "conflict": True,
                        "message_html": "Not autosaved. " + self._conflict_html(conflict, article),
                    },
                    status=409,
                )
        live = article.live_when_read = not add and article.is_published()
        request.article_editing = "autosave"
        request.saving_article_draft = live
        snapshot, rows = None, {}
        with transaction.atomic():
            if live and (draft := draft_of(article)) is not None:
                drafts.apply_snapshot(article, draft.snapshot)
            form, formsets = self._posted_forms(request, article, add=add)
            saved = form.is_valid() and all_valid(formsets)
            if saved:
                obj = self.save_form(request, form, change=not add)
                self.save_model(request, obj, form, not add)
                self.save_related(request, form, formsets, not add)
                if add:
                    # Its history starts here, as for an article added with "Save" (the revision comes then).
                    self.log_addition(request, obj, [{"added": {}}])
                # The page's new rows are saved now: it writes these ids in, so the next save updates them.
                rows = {f.prefix: f.autosaved_ids() for f in formsets if hasattr(f, "autosaved_ids")}
                if live:
                    snapshot = drafts.take_snapshot(article)
            if live or not saved:
                transaction.set_rollback(True)
        if add and not saved:
            # Nothing was stored, so there is nobody's presence to record either.
            return JsonResponse({"saved": False, "rows": {}, "message": self._still_needed(form, formsets)})
        if snapshot is not None:
            article_draft_save(article=article, user=request.user, snapshot=snapshot)
        version = editing.edit_version(article.pk) if saved else loaded
        editing.editing_touch(article=article, user=request.user, saved_version=version if saved else None)
        if request.POST.get("_leaving"):
            editing.editing_leave(article=article, user=request.user)
        if saved:
            where = "as unpublished changes" if live else "as a draft"
            message = f"Autosaved {where} at {local_time(timezone.now())}."
        else:
            message = self._still_needed(form, formsets, lead="Not autosaved: ")
        answer = {
            "saved": saved,
            "version": version,
            "rows": rows,
            "message": message,
            "notice": "" if add else editing_notice(editing.others_editing(article, request.user)),
        }
        if add:
            # From now on the page is the change form of this article.
            answer["urls"] = {
                "change": reverse("admin:articles_article_change", args=[article.pk]),
                "autosave": reverse("admin:articles_article_autosave", args=[article.pk]),
                "editing": reverse("admin:articles_article_editing", args=[article.pk]),
                "preview": reverse("admin:articles_article_live_preview", args=[article.pk]),
            }
        return JsonResponse(answer)

    # What an add form needs before its first autosave, as the message names it ("add a title").
    NEEDED = {"title": "a title", "slug": "a slug", "author": "an author"}

    def _still_needed(self, form, formsets, lead="Not autosaved yet: ") -> str:
        """Why the form was not autosaved: "Not autosaved yet: add a title." and what else to fix."""
        needed, fixes = [], []
        for name, errors in form.errors.as_data().items():
            for error in errors:
                if error.code == "required" and name in self.NEEDED:
                    needed.append(self.NEEDED[name])
                else:
                    fixes += [f"{self._label(form, name)}: {message}" for message in error.messages]
        for formset in formsets:
            fixes += _formset_notes(formset)
        parts = ["add " + " and ".join(", ".join(needed).rsplit(", ", 1)) + "."] if needed else []
        if fixes:
            parts.append(("Also fix: " if needed else "Fix: ") + " ".join(fixes))
        return lead + (" ".join(parts) or "check the form.")

    def editing_view(self, request, object_id):
        """POST only: the change form's heartbeat (or its goodbye, leave=1); JSON saying who else is editing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._editable_article(request, object_id)
        if request.POST.get("leave"):
            editing.editing_leave(article=article, user=request.user)
        else:
            editing.editing_touch(article=article, user=request.user)
        return JsonResponse({"notice": editing_notice(editing.others_editing(article, request.user))})
