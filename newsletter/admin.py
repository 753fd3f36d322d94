from adminsortable2.admin import SortableAdminBase, SortableInlineAdminMixin
from csp.constants import NONE, SELF
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from articles.admin import RichTextMixin
from articles.models import Article
from core.admin import DateHierarchyMixin

from .emails import issue_content, issue_html, issue_message
from .exchange import export_subscribers
from .forms import IssueSendForm
from .models import (
    CONSENT_RECORD_FIELDS,
    MAIL_DELIVERY_FIELDS,
    Delivery,
    Issue,
    IssueArticle,
    IssueProduct,
    Subscriber,
    Suppression,
)
from .reports import issue_report, write_csv
from .services import (
    SendRefused,
    issue_schedule,
    issue_send_test,
    issue_unschedule,
    subscriber_resend_confirmation,
    suppression_lift,
)


@admin.register(Subscriber)
class SubscriberAdmin(DateHierarchyMixin, admin.ModelAdmin):
    list_display = [
        "email",
        "status",
        "signed_up_at",
        "confirmed_at",
        "unsubscribed_at",
        "placement",
        "source_article",
        "email_status",
    ]
    list_filter = ["status", "placement", ("source_article", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["email", "source_url"]
    date_hierarchy = "created_at"
    list_select_related = ["source_article"]
    actions = ["export_csv", "resend_confirmation"]
    readonly_fields = [*CONSENT_RECORD_FIELDS, *MAIL_DELIVERY_FIELDS]
    fieldsets = [
        (None, {"fields": ["email", "status"]}),
        ("Consent record", {"fields": CONSENT_RECORD_FIELDS}),
        ("Mail delivery", {"fields": MAIL_DELIVERY_FIELDS}),
    ]

    @admin.display(description="Confirmation email")
    def email_status(self, obj):
        if obj.email_error:
            return f"Failed ({obj.email_attempts} attempts)"
        if obj.email_sent_at:
            return "Sent"
        return "—"

    @admin.action(description="Export selected subscribers as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{timezone.now():%Y%m%d-%H%M}.csv"'
        export_subscribers(response, queryset)
        return response

    @admin.action(description="Resend the confirmation email (pending subscribers)")
    def resend_confirmation(self, request, queryset):
        pending = queryset.pending()
        for subscriber in pending:
            subscriber_resend_confirmation(subscriber=subscriber)
        self.message_user(request, f"Queued {pending.count()} confirmation email(s).", messages.SUCCESS)


class IssueArticleInline(SortableInlineAdminMixin, admin.TabularInline):
    model = IssueArticle
    extra = 0
    autocomplete_fields = ["article"]
    verbose_name = "article"
    verbose_name_plural = "Articles (each with its hero, title, excerpt and link; drafts cannot be picked)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = Article.objects.published()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.is_editable()) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_editable()) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_editable()) and super().has_delete_permission(request, obj)


class IssueProductInline(IssueArticleInline):
    model = IssueProduct
    autocomplete_fields = ["product"]
    verbose_name = "product"
    verbose_name_plural = "Products (each with its image, name, rating and price)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super(IssueArticleInline, self).formfield_for_foreignkey(db_field, request, **kwargs)


def _preview_policy(response):
    """The preview shows the email as mail clients do: inline styles, images from SITE_URL, no script."""
    response._csp_replace = {
        "style-src": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", settings.SITE_URL],
        "script-src": [NONE],
    }
    # The admin's editor hash would switch 'unsafe-inline' off (core.middleware).
    response._csp_update = {"style-src": None}
    return response


@admin.register(Issue)
class IssueAdmin(SortableAdminBase, RichTextMixin, admin.ModelAdmin):
    list_display = ["subject", "status", "send_at", "finished_at", "recipients", "sent", "failed"]
    list_filter = ["status"]
    search_fields = ["subject", "slug"]
    prepopulated_fields = {"slug": ("subject",)}
    rich_text_fields = ["intro_html"]
    inlines = [IssueArticleInline, IssueProductInline]
    fields = ["subject", "slug", "preheader", "intro_html"]
    change_form_template = "admin/newsletter/issue/change_form.html"

    def view_on_site(self, obj):
        # Only sent issues are in the public archive.
        return obj.get_absolute_url() if obj.status == Issue.Status.SENT else None

    def get_queryset(self, request):
        state = Delivery.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                recipient_count=Count("deliveries"),
                sent_count=Count("deliveries", filter=Q(deliveries__state=state.SENT)),
                failed_count=Count("deliveries", filter=Q(deliveries__state=state.FAILED)),
            )
        )

    @admin.display(description="Recipients", ordering="recipient_count")
    def recipients(self, obj):
        return obj.recipient_count

    @admin.display(description="Sent", ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count

    @admin.display(description="Failed", ordering="failed_count")
    def failed(self, obj):
        return obj.failed_count

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable():
            return [*self.fields, "status", "send_at", "started_at", "finished_at"]
        return ["status", "send_at"] if obj is not None else []

    def get_fields(self, request, obj=None):
        return (
            self.get_readonly_fields(request, obj)
            if obj and not obj.is_editable()
            else super().get_fields(request, obj)
        )

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and not obj.is_editable() else super().get_prepopulated_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_send"] = obj is not None and request.user.has_perm("newsletter.send_issue")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_send_test" in request.POST:
            if not request.user.email:
                self.message_user(request, "Your account has no email address to send the test to.", messages.ERROR)
            else:
                try:
                    issue_send_test(issue=obj, email=request.user.email)
                except SendRefused as refused:
                    self.message_user(request, f"Saved. {refused}", messages.ERROR)
                else:
                    self.message_user(
                        request, f"Saved; a test is on its way to {request.user.email}.", messages.SUCCESS
                    )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/preview/", view(self.preview_view), name="newsletter_issue_preview"),
            path("<int:object_id>/send/", view(self.send_view), name="newsletter_issue_send"),
            path("<int:object_id>/report/", view(self.report_view), name="newsletter_issue_report"),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The issue exactly as its email renders, for the staff member viewing it (?part=text: the text part)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        issue = get_object_or_404(Issue, pk=object_id)
        content = issue_content(issue)
        recipient = Subscriber.objects.filter(email__iexact=request.user.email).first() if request.user.email else None
        recipient = recipient or Subscriber(email=request.user.email or "you@example.com")
        if request.GET.get("part") == "text":
            return HttpResponse(issue_message(content, recipient).body, content_type="text/plain; charset=utf-8")
        return _preview_policy(HttpResponse(issue_html(content, recipient)))

    def report_view(self, request, object_id):
        """What the issue did (recipients, sent, failed, unsubscribed, clicks, the first days); ?format=csv."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        issue = get_object_or_404(Issue, pk=object_id)
        tables = issue_report(issue)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="issue-{issue.slug}.csv"'
            write_csv(response, issue, tables)
            return response
        summary, articles, products, days = tables
        # Each bar against its own column's busiest day: sends outnumber clicks by far.
        peaks = {"sent": max([1, *(row[1] for row in days.rows)]), "clicks": max([1, *(row[2] for row in days.rows)])}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"What “{issue}” did",
            "issue": issue,
            "tables": [summary, articles, products],
            "days": days,
            "peaks": peaks,
        }
        return TemplateResponse(request, "admin/newsletter/issue/report.html", context)

    def send_view(self, request, object_id):
        """Confirm sending an issue to every confirmed subscriber, now or at a time to come."""
        if not request.user.has_perm("newsletter.send_issue"):
            raise PermissionDenied
        issue = get_object_or_404(Issue, pk=object_id)
        form = IssueSendForm(request.POST or None)
        if request.method == "POST" and "_unschedule" in request.POST:
            if issue_unschedule(issue=issue):
                self.message_user(request, "The issue is a draft again: it will not be sent.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=[issue.pk]))
        status = 200
        if request.method == "POST":
            if form.is_valid():
                later = form.cleaned_data["when"] == "later"
                try:
                    issue = issue_schedule(issue=issue, send_at=form.cleaned_data["send_at"] if later else None)
                except SendRefused as refused:
                    form.add_error(None, str(refused))
                else:
                    when = f"at {issue.send_at:%Y-%m-%d %H:%M} UTC" if later else "now"
                    self.message_user(request, f"“{issue}” will be sent {when}.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:newsletter_issue_change", args=[issue.pk]))
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Send “{issue}”",
            "issue": issue,
            "form": form,
            "recipients": Subscriber.objects.deliverable().count(),
        }
        return TemplateResponse(request, "admin/newsletter/issue/send.html", context, status=status)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["issue", "subscriber", "state", "attempts", "sent_at", "short_error"]
    list_filter = ["state", "issue"]
    search_fields = ["subscriber__email"]
    list_select_related = ["issue", "subscriber"]
    raw_id_fields = ["issue", "subscriber"]

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SuppressionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "In force"), ("lifted", "Lifted")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "lifted":
            return queryset.exclude(pk__in=Suppression.objects.active())
        return queryset


@admin.register(Suppression)
class SuppressionAdmin(DateHierarchyMixin, admin.ModelAdmin):
    """Addresses never mailed again (hard bounces, complaints); staff with change permission may lift one."""

    list_display = ["email", "reason", "created_at", "source", "lifted"]
    list_filter = [SuppressionStateFilter, "reason", "source", "created_at"]
    search_fields = ["email", "description"]
    date_hierarchy = "created_at"
    list_select_related = ["lifted_by"]
    readonly_fields = [
        "email",
        "reason",
        "created_at",
        "source",
        "description",
        "delivery",
        "event_id",
        "lifted_at",
        "lifted_by",
    ]
    fields = readonly_fields

    @admin.display(description="Lifted")
    def lifted(self, obj):
        """When and by whom, or (in force) a link to lift it after a confirmation."""
        if obj.is_active():
            url = reverse("admin:newsletter_suppression_lift", args=[obj.pk])
            return format_html('In force · <a href="{}">Lift…</a>', url)
        return f"{obj.lifted_at:%Y-%m-%d %H:%M} by {obj.lifted_by or 'a deleted user'}"

    def has_add_permission(self, request):
        return False  # suppressions come from the mail provider

    def has_delete_permission(self, request, obj=None):
        return False  # lifted, never deleted: the record says who let the address back

    def get_urls(self):
        view = self.admin_site.admin_view(self.lift_view)
        return [path("<int:object_id>/lift/", view, name="newsletter_suppression_lift"), *super().get_urls()]

    def lift_view(self, request, object_id):
        """Ask, then lift one suppression (POST): the address may be mailed again."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        suppression = get_object_or_404(Suppression, pk=object_id)
        if request.method == "POST":
            if suppression_lift(suppression=suppression, user=request.user):
                self.log_change(request, suppression, "Lifted the suppression.")
                self.message_user(request, f"{suppression.email} may be mailed again.", messages.SUCCESS)
            else:
                self.message_user(request, f"{suppression.email} was not suppressed any more.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:newsletter_suppression_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Lift the suppression of {suppression.email}?",
            "suppression": suppression,
        }
        return TemplateResponse(request, "admin/newsletter/suppression/lift.html", context)
