"""The article admin's history and compare pages: what each revision changed, and any two versions side by side."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.models import Version

from .. import compare
from ..models import Article, ArticleDraft
from ..publishing import can_publish
from .display import local_time

CURRENT, DRAFT = "current", "draft"


def _who(user) -> str:
    return user.get_username() if user else "someone"


class CompareForm(forms.Form):
    """Which two versions to compare (a revision's version id, "current" or "draft"), and how."""

    old = forms.ChoiceField(label="Compare")
    new = forms.ChoiceField(label="with")
    layout = forms.ChoiceField(
        label="Show",
        choices=[("side", "Side by side"), ("inline", "Inline")],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].choices = self.fields["new"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("old") and data.get("old") == data.get("new"):
            raise forms.ValidationError("Choose two different versions.")
        return data


class ArticleHistoryMixin:
    """History with what each revision changed (saves that changed nothing are left out), and the compare view."""

    object_history_template = "admin/articles/article/object_history.html"

    def get_urls(self):
        compare_url = path(
            "<path:object_id>/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="articles_article_compare",
        )
        return [compare_url, *super().get_urls()]

    def _versions(self, article):
        return list(
            Version.objects.get_for_object(article)
            .select_related("revision", "revision__user")
            .order_by("revision__date_created", "pk")
        )

    def _sides(self, article, versions):
        """[(key, label)] of what can be compared: each revision, the current rows, the draft."""
        sides = [
            (str(v.pk), f"Revision of {local_time(v.revision.date_created)} by {_who(v.revision.user)}")
            for v in versions
        ]
        sides.append((CURRENT, "Live version (now)" if article.is_published() else "Saved version (now)"))
        draft = ArticleDraft.objects.select_related("saved_by").filter(article=article).first()
        if draft is not None:
            sides.append((DRAFT, f"Unpublished changes (saved {local_time(draft.saved_at)} by {_who(draft.saved_by)})"))
        return sides, draft

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        if article is None or not self.has_view_or_change_permission(request, article):
            return super().history_view(request, object_id, extra_context)
        versions = self._versions(article)
        snapshots = compare.revision_snapshots(article.pk, versions)
        names = compare.Names(snapshots.values())
        actions, hidden, previous = [], 0, None
        for version in versions:
            snapshot = snapshots.get(version.revision_id)
            if snapshot is None:
                continue
            diff = compare.compare(previous, snapshot, names) if previous is not None else None
            previous = snapshot
            if diff is not None and not diff:
                hidden += 1
                continue
            comment = version.revision.get_comment()
            actions.append(
                {
                    "version": version,
                    "revision": version.revision,
                    "when": local_time(version.revision.date_created),
                    "comment": "" if comment in ("No fields changed.", "") else comment,
                    "changed": diff.summary() if diff is not None else ["First saved version"],
                    "url": reverse("admin:articles_article_revision", args=[quote(version.object_id), version.pk]),
                }
            )
        sides, draft = self._sides(article, versions)
        context = {
            "action_list": actions,
            "hidden_count": hidden,
            "has_draft": draft is not None,
            "is_live": article.is_published(),
            "can_restore": can_publish(request.user),
            "compare_url": reverse("admin:articles_article_compare", args=[article.pk]),
            # Preselected: the newest revision against the draft, or the two newest revisions.
            "checked_old": (actions[-1] if draft else actions[-2])["version"].pk
            if len(actions) > (0 if draft else 1)
            else None,
            "checked_new": None if draft or not actions else actions[-1]["version"].pk,
            **(extra_context or {}),
        }
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    def _snapshot(self, article, key, draft, snapshots):
        if key == CURRENT:
            return compare.current_snapshot(article)
        if key == DRAFT:
            return draft.snapshot
        return snapshots[int(key)]

    def compare_view(self, request, object_id):
        """GET ?old=…&new=…: two versions of the article, side by side (or inline), child rows included."""
        article = Article.objects.filter(pk=self._pk(object_id)).first()
        if article is None or not self.has_view_permission(request, article):
            raise PermissionDenied("No article of yours to compare here.")
        versions = self._versions(article)
        sides, draft = self._sides(article, versions)
        default_old = CURRENT if draft is not None else (str(versions[-2].pk) if len(versions) > 1 else CURRENT)
        default_new = DRAFT if draft is not None else CURRENT
        data = None
        if "old" in request.GET or "new" in request.GET:
            data = request.GET.copy()
            data.setdefault("layout", "side")
        form = CompareForm(data, choices=sides, initial={"old": default_old, "new": default_new, "layout": "side"})
        status, diff, labels = 200, None, dict(sides)
        if data is None:
            old_key, new_key, layout = default_old, default_new, "side"
            valid = old_key != new_key
        else:
            valid = form.is_valid()
            status = 200 if valid else 400
            if valid:
                old_key, new_key = form.cleaned_data["old"], form.cleaned_data["new"]
                layout = form.cleaned_data["layout"] or "side"
        if valid:
            by_version = {str(v.pk): v for v in versions}
            wanted = [by_version[k] for k in (old_key, new_key) if k in by_version]
            snapshots = compare.revision_snapshots(article.pk, wanted)
            by_key = {str(v.pk): snapshots.get(v.revision_id) for v in wanted}
            old, new = (
                by_key[k] if k in by_key else self._snapshot(article, k, draft, snapshots) for k in (old_key, new_key)
            )
            if old is None or new is None:
                messages.error(request, "That revision has no saved copy of this article.")
                status = 400
            else:
                diff = compare.compare(old, new)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions: {article}",
            "subtitle": None,
            "opts": self.opts,
            "original": article,
            "form": form,
            "diff": diff,
            "layout": layout if valid else "side",
            "old_label": labels.get(old_key) if valid else "",
            "new_label": labels.get(new_key) if valid else "",
            "history_url": reverse("admin:articles_article_history", args=[article.pk]),
            "change_url": reverse("admin:articles_article_change", args=[article.pk]),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/compare.html", context, status=status)
