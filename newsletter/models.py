from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class SubscriberQuerySet(models.QuerySet):
    def claim_mail(self, *, since) -> bool:
        """Mark these subscribers' next email as queued unless one was queued after `since`.

        True for exactly one of any number of concurrent callers: the check and
        the write are one UPDATE, so the database decides, not the callers.
        """
        unclaimed = Q(email_queued_at__isnull=True) | Q(email_queued_at__lt=since)
        return self.filter(unclaimed).update(email_queued_at=timezone.now()) > 0


# What a subscriber's consent record holds, in the order the admin shows and the CSV writes it.
CONSENT_RECORD_FIELDS = [
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
MAIL_DELIVERY_FIELDS = ["email_queued_at", "email_attempts", "email_sent_at", "email_error"]


class Subscriber(models.Model):
    """One address on the list, with the record of its consent. Rows are never deleted on unsubscribe."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    class Placement(models.TextChoices):
        ARTICLE = "article", "Article footer"
        HOME = "home", "Home page"
        PAGE = "page", "Newsletter page"
        IMPORT = "import", "Imported"
        OTHER = "other", "Other"

    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_up_at = models.DateTimeField(null=True, blank=True, help_text="The latest signup request.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Where and how consent was given.
    source_url = models.CharField("signed up on", max_length=300, blank=True)
    source_article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="newsletter_signups"
    )
    placement = models.CharField(max_length=10, choices=Placement, default=Placement.OTHER)
    consent_version = models.CharField(max_length=40, blank=True, help_text="Version of the consent text shown.")
    ip_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="Stored as NEWSLETTER_IP_STORAGE says: truncated by default."
    )
    # Mail delivery, so staff can see and retry failures.
    email_queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the latest confirmation or welcome email was queued; signups add another ten minutes later at the earliest.",
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique")]

    def __str__(self):
        return self.email

    def get_absolute_url(self):
        return reverse("admin:newsletter_subscriber_change", args=[self.pk])
