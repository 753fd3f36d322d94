from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone

from .exchange import export_subscribers
from .models import CONSENT_RECORD_FIELDS, MAIL_DELIVERY_FIELDS, Subscriber
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
        pending = queryset.filter(status=Subscriber.Status.PENDING)
        for subscriber in pending:
            subscriber_resend_confirmation(subscriber=subscriber)
        self.message_user(request, f"Queued {pending.count()} confirmation email(s).", messages.SUCCESS)
