"""Drafts of live articles and the review workflow, as the article admin serves them.

The change form of a live article edits its draft (articles/drafts.py): the view
runs on the live rows with the draft written over them and every write is rolled
back; a successful save is kept as the new draft.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import drafts, reviews
from ..models import Article, ArticleDraft, Review
from ..publishing import (
    PublishingRefused,
    article_draft_discard,
    article_draft_publish,
    article_draft_save,
    article_draft_schedule,
    can_discard,
    can_publish,
)
from .display import ScheduleForm, draft_of, is_live, local_time, review_of, zone_label


class ArticleDraftingMixin:
    """Change, revision, draft and review views of ArticleAdmin."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self._live_article(request, object_id)
        if article is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return self._as_draft(
            request,
            article,
            lambda: super(ArticleDraftingMixin, self).change_view(request, object_id, form_url, extra_context),
        )

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.live_when_read = article.is_published()
        return article

    def _live_article(self, request, object_id):
        return Article.objects.published().select_related("draft").filter(pk=self._pk(object_id)).first()

    @staticmethod
    def _pk(object_id):
        value = unquote(str(object_id))
        return int(value) if value.isdigit() else 0

    def _as_draft(self, request, article, view, *, apply_draft=True):
        """Run `view` on the live rows with the draft written over them, then roll every write back.

        The form shows (and validates, and saves) the draft with the admin's own
        inlines; a successful save is kept as the new draft. Nothing readers see
        changes: the rows, the page-cache generation (its bump waits for a commit
        that never comes) and the revision history stay as they were.
        """
        request.saving_article_draft = True
        snapshot = None
        with transaction.atomic():
            if apply_draft and (draft := draft_of(article)) is not None:
                drafts.apply_snapshot(article, draft.snapshot)
            response = view()
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if request.method == "POST" and response.status_code == 302:
                snapshot = drafts.take_snapshot(article)
            transaction.set_rollback(True)
        if snapshot is not None:
            article_draft_save(article=article, user=request.user, snapshot=snapshot)
            # The view's own History entry was rolled back with the rest.
            self.log_change(request, article, "Saved unpublished changes.")
        return response

    def response_change(self, request, obj):
        if not getattr(request, "saving_article_draft", False):
            return super().response_change(request, obj)
        self.message_user(
            request,
            "Saved as unpublished changes: readers see the live version until an Editor publishes them.",
            messages.SUCCESS,
        )
        if "_continue" in request.POST or "_saveasnew" in request.POST:
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    def get_urls(self):
        def draft_url(action):
            view = self.admin_site.admin_view(self.draft_action_view)
            return path(
                f"<path:object_id>/draft/{action}/",
                view,
                {"action": action},
                name=f"articles_article_draft_{action}",
            )

        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(self.review_action_view),
            name="articles_article_review",
        )
        return [draft_url(action) for action in ("publish", "schedule", "discard")] + [review] + super().get_urls()

    def review_action_view(self, request, object_id):
        """POST only: submit for review, comment, ask for changes, or approve and publish."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = Article.objects.filter(pk=self._pk(object_id)).first()
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied("No article of yours to review here.")
        action, text = request.POST.get("action"), request.POST.get("text", "")
        services = {
            "submit": (reviews.review_submit, "Submitted for review: Editors have been told."),
            "comment": (reviews.review_comment, "Comment added."),
            "request_changes": (reviews.review_request_changes, "Asked for changes: the Writer has been told."),
            "approve": (reviews.review_approve, "Approved and published: readers see it now."),
        }
        if action not in services:
            self.message_user(request, "Choose what to do with the review.", messages.ERROR)
        else:
            service, done = services[action]
            try:
                result = service(article=article, user=request.user, text=text)
            except (reviews.ReviewRefused, PublishingRefused) as refused:
                self.message_user(request, f"Not done: {refused}", messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
                for warning in result if isinstance(result, list) else []:
                    self.message_user(request, f"Warning: {warning}", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def draft_action_view(self, request, object_id, action):
        """POST only: publish, schedule (or unschedule) or discard the draft of a live article.

        Discarding asks first: a GET (or a POST without `confirm`) shows the confirmation page.
        """
        if request.method != "POST" and action != "discard":
            return HttpResponseNotAllowed(["POST"])
        article = self._live_article(request, object_id)
        if article is None or not self.has_change_permission(request, article):
            raise PermissionDenied("No live article of yours to change here.")
        if action == "discard" and (request.method != "POST" or request.POST.get("confirm") != "yes"):
            return self._discard_confirmation(request, article)
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        try:
            if action == "publish":
                found_warnings = article_draft_publish(article=article, user=request.user)
                self.log_change(request, article, "Published the unpublished changes.")
                self.message_user(request, "Published the changes: readers see them now.", messages.SUCCESS)
            elif action == "schedule":
                found_warnings = self._schedule(request, article)
                if found_warnings is None:
                    return HttpResponseRedirect(change_url)
            else:
                article_draft_discard(article=article, user=request.user)
                self.message_user(request, "Discarded the unpublished changes: the form shows the live version.")
                found_warnings = []
        except ArticleDraft.DoesNotExist:
            self.message_user(request, "This article has no unpublished changes.", messages.WARNING)
            return HttpResponseRedirect(change_url)
        except PublishingRefused as refused:
            self.message_user(request, f"Not done: {refused}", messages.ERROR)
            return HttpResponseRedirect(change_url)
        for warning in found_warnings:
            self.message_user(request, f"Warning: {warning}", messages.WARNING)
        return HttpResponseRedirect(change_url)

    def _discard_confirmation(self, request, article):
        draft = draft_of(article)
        if draft is None:
            self.message_user(request, "This article has no unpublished changes.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        if not can_discard(request.user, draft):
            raise PermissionDenied("Only Editors discard changes someone else saved.")
        context = {
            **self.admin_site.each_context(request),
            "title": "Discard the unpublished changes?",
            "subtitle": None,
            "opts": self.opts,
            "original": article,
            "draft": draft,
            "draft_saved_at": local_time(draft.saved_at),
            "compare_url": reverse("admin:articles_article_compare", args=[article.pk]) + "?old=current&new=draft",
            "change_url": reverse("admin:articles_article_change", args=[article.pk]),
        }
        return TemplateResponse(request, "admin/articles/article/discard_confirmation.html", context)

    def _schedule(self, request, article):
        if "unschedule" in request.POST:
            article_draft_schedule(article=article, user=request.user, when=None)
            self.message_user(request, "Unscheduled the changes: they stay unpublished.")
            return []
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                f"Not scheduled: enter a date and time ({zone_label()}).",
                messages.ERROR,
            )
            return None
        when = form.cleaned_data["publish_at"]
        found_warnings = article_draft_schedule(article=article, user=request.user, when=when)
        self.message_user(request, f"Scheduled: readers see the changes from {local_time(when)}.", messages.SUCCESS)
        return found_warnings

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            review = review_of(obj)
            comments = [
                (comment, local_time(comment.created_at)) for comment in obj.review_comments.select_related("author")
            ]
            can_submit = (review is None or review.state != Review.State.IN_REVIEW) and (
                obj.status == Article.Status.DRAFT or draft_of(obj) is not None
            )
            context.update(
                show_review=bool(review or comments or can_submit),
                review=review,
                review_url=reverse("admin:articles_article_review", args=[obj.pk]),
                review_comments=comments,
                can_review=can_publish(request.user) and review is not None and review.state == Review.State.IN_REVIEW,
                can_submit=can_submit,
            )
        if obj is not None and is_live(obj):
            draft = draft_of(obj)
            context.update(
                live_article=True,
                article_draft=draft,
                can_publish=can_publish(request.user),
                schedule_form=ScheduleForm(),
                time_zone=zone_label(),
                draft_saved_at=draft and local_time(draft.saved_at),
                draft_publish_at=draft and draft.is_scheduled() and local_time(draft.publish_at),
                can_discard=draft is not None and can_discard(request.user, draft),
                draft_preview_url=reverse("articles:preview", args=[obj.pk]),
                **{
                    f"draft_{action}_url": reverse(f"admin:articles_article_draft_{action}", args=[obj.pk])
                    for action in ("publish", "schedule", "discard")
                },
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied("Only Editors restore revisions.")
        article = self._live_article(request, object_id)
        if article is None:
            return super().revision_view(request, object_id, version_id, extra_context)
        # Restoring a revision of a live article makes it the draft, like any other edit.
        return self._as_draft(
            request,
            article,
            lambda: super(ArticleDraftingMixin, self).revision_view(request, object_id, version_id, extra_context),
            apply_draft=False,
        )
