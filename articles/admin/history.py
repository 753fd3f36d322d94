"""The article admin's history and compare pages: what each revision changed, and any two versions side by side."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import path, reverse
from reversion.models import Version

from .. import compare
from ..models import Article, ArticleDraft
from ..publishing import can_publish
from .display import local_time

CURRENT, DRAFT = "current", "draft"
HISTORY_PER_PAGE = 50


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
        # The serialized rows are read by compare.revision_snapshots(), for the versions it needs.
        return list(
            Version.objects.get_for_object(article)
            .select_related("revision", "revision__user")
            .defer("serialized_data")
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
        """The revisions, newest first, HISTORY_PER_PAGE a page (?p=2), each with what it changed.

        Only this page's revisions and the one before its oldest are read. The
        two versions chosen to compare travel with the page links (?old=…&new=…:
        the links are buttons of the compare form), so any two can be compared
        whatever pages they are on.
        """
        article = self.get_object(request, object_id)
        if article is None or not self.has_view_or_change_permission(request, article):
            return super().history_view(request, object_id, extra_context)
        all_versions = (
            Version.objects.get_for_object(article)
            .select_related("revision", "revision__user")
            .defer("serialized_data")
            .order_by("-revision__date_created", "-pk")
        )
        paginator = Paginator(all_versions, HISTORY_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR))
        # The page and the revision before its oldest (what that one changed), in one query.
        start = (page.number - 1) * HISTORY_PER_PAGE
        window = list(all_versions[start : start + HISTORY_PER_PAGE + 1])
        versions, earlier = window[:HISTORY_PER_PAGE], (window[HISTORY_PER_PAGE:] or [None])[0]
        snapshots = compare.revision_snapshots(article.pk, [*versions, *([earlier] if earlier else [])])
        names = compare.Names(snapshots.values())
        actions, hidden = [], 0
        for version, older in zip(versions, [*versions[1:], earlier], strict=True):
            snapshot = snapshots.get(version.revision_id)
            if snapshot is None:
                continue
            previous = snapshots.get(older.revision_id) if older is not None else None
            diff = compare.compare(previous, snapshot, names) if previous is not None else None
            if diff is not None and not diff:
                hidden += 1
                continue
            comment = version.revision.get_comment()
            if older is None:
                changed = ["First saved version"]
            else:
                changed = diff.summary() if diff is not None else ["The revision before it has no copy to compare."]
            actions.append(
                {
                    "version": version,
                    "revision": version.revision,
                    "when": local_time(version.revision.date_created),
                    "comment": "" if comment in ("No fields changed.", "") else comment,
                    "changed": changed,
                    "url": reverse("admin:articles_article_revision", args=[quote(version.object_id), version.pk]),
                }
            )
        draft = ArticleDraft.objects.filter(article=article).only("pk").first()
        checked_old, checked_new, elsewhere = self._checked(request, article, versions, draft, page)
        context = {
            "action_list": actions,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "history_url": reverse("admin:articles_article_history", args=[article.pk]),
            "hidden_count": hidden,
            "has_draft": draft is not None,
            "is_live": article.is_published(),
            "can_restore": can_publish(request.user),
            "compare_url": reverse("admin:articles_article_compare", args=[article.pk]),
            "checked_old": checked_old,
            "checked_new": checked_new,
            "elsewhere": elsewhere,
            **(extra_context or {}),
        }
        return admin.ModelAdmin.history_view(self, request, object_id, context)

    def _checked(self, request, article, versions, draft, page):
        """(old, new, chosen on other pages) of the history's radio buttons.

        The choice the page links carried (?old=…&new=…, revisions of this article or
        "draft"), else the newest revision against the draft, or the two newest revisions.
        Versions chosen on another page are listed with their time: [(name, pk, label)].
        """
        chosen = {name: request.GET.get(name, "") for name in ("old", "new")}
        ids = [int(v) for v in chosen.values() if v.isdigit() and len(v) < 19]
        found = {
            str(v.pk): v for v in Version.objects.get_for_object(article).filter(pk__in=ids).select_related("revision")
        }
        on_page = {str(v.pk) for v in versions}
        if not any(value in found or (value == DRAFT and draft) for value in chosen.values()):
            if page.number != 1:
                return None, None, []
            newest = [v.pk for v in versions[:2]]
            if draft is not None:
                return (newest[0] if newest else None), DRAFT, []
            return (newest[1] if len(newest) > 1 else None), (newest[0] if newest else None), []
        checked, elsewhere = {}, []
        for name, value in chosen.items():
            if value == DRAFT and draft is not None and name == "new":
                checked[name] = DRAFT
            elif value in found:
                checked[name] = int(value)
                if value not in on_page:
                    elsewhere.append((name, value, local_time(found[value].revision.date_created)))
        return checked.get("old"), checked.get("new"), elsewhere

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
