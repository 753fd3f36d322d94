from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone

from .exchange import export_subscribers
from .models import Subscriber
from .services import subscriber_resend_confirmation


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
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
    readonly_fields = [
        "created_at",
        "signed_up_at",
        "confirmed_at",
        "unsubscribed_at",
        "source_url",
        "source_article",
        "placement",
        "consent_version",
        "ip_address",
        "email_queued_at",
        "email_attempts",
        "email_sent_at",
        "email_error",
    ]
    fieldsets = [
        (None, {"fields": ["email", "status"]}),
        (
            "Consent record",
            {
                "fields": [
                    "created_at",
                    "signed_up_at",
                    "confirmed_at",
                    "unsubscribed_at",
                    "source_url",
                    "source_article",
                    "placement",
                    "consent_version",
                    "ip_address",
                ]
            },
        ),
        ("Mail delivery", {"fields": ["email_queued_at", "email_attempts", "email_sent_at", "email_error"]}),
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
        pending = queryset.filter(status=Subscriber.Status.PENDING)
        for subscriber in pending:
            subscriber_resend_confirmation(subscriber=subscriber)
        self.message_user(request, f"Queued {pending.count()} confirmation email(s).", messages.SUCCESS)
