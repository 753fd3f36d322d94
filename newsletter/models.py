from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from core.richtext import sanitize_html
from core.slugs import check_slug


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Subscribers who signed up and confirmed, not since unsubscribed."""
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def deliverable(self):
        """Subscribers an issue is sent to: confirmed, and their address not suppressed (bounced, complained)."""
        return self.confirmed().exclude(Suppression.objects.for_address(OuterRef("email")))

    def on_the_list(self):
        """Subscribers still pending or confirmed: those a bounce or a complaint takes off the list."""
        return self.filter(status__in=[Subscriber.Status.PENDING, Subscriber.Status.CONFIRMED])

    def pending(self):
        """Subscribers who signed up and have not confirmed yet (not counted as signups in reports)."""
        return self.filter(status=Subscriber.Status.PENDING)

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
        # The mail provider reported the address (a Suppression): off the list, as if unsubscribed. Lifting
        # the suppression leaves it so; only a new signup (and its confirmation) puts the address back.
        BOUNCED = "bounced", "Bounced (address suppressed)"
        COMPLAINED = "complained", "Marked as spam (address suppressed)"

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

    def is_confirmed(self):
        """Return True if this subscriber confirmed and has not left (what confirmed() selects)."""
        return self.status == self.Status.CONFIRMED

    is_confirmed.boolean = True


class IssueQuerySet(models.QuerySet):
    def sent(self):
        """Issues whose sending has finished: what the public archive lists."""
        return self.filter(status=Issue.Status.SENT)


class Issue(models.Model):
    """One newsletter issue: what staff compose, preview, test and send to every confirmed subscriber."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=150, help_text="The email’s subject line. Aim for at most 60 characters.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Names the issue in its archive address and as utm_campaign in its links.",
    )
    preheader = models.CharField(
        max_length=150,
        blank=True,
        help_text="The line inboxes show after the subject. Aim for 40 to 100 characters.",
    )
    intro_html = models.TextField("introduction", blank=True, help_text="Opens the email, above the articles.")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, editable=False)
    send_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When sending starts (now, or the time it was scheduled for)."
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("send_issue", "Can send newsletter issues to subscribers")]

    def __str__(self):
        return self.subject

    def save(self, *args, **kwargs):
        check_slug(self)
        self.intro_html = sanitize_html(self.intro_html)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The issue's page in the public archive (once it is sent)."""
        return reverse("newsletter:issue", kwargs={"slug": self.slug})

    def shown_articles(self) -> list:
        """The issue's articles readers can see (published), in the issue's order, with their authors."""
        from articles.models import Article

        items = self.article_items.filter(article__in=Article.objects.published())
        return [
            item.article
            for item in items.select_related("article__author", "article__hero_image").defer(
                "article__search_text", "article__search_vector"
            )
        ]

    def shown_products(self) -> list:
        """The issue's products shoppers can see (active), in the issue's order."""
        from products.models import Product

        items = self.product_items.filter(product__in=Product.objects.active()).select_related("product__image")
        return [item.product for item in items]

    def is_editable(self):
        """Return True while the issue is a draft: once scheduled or sent, what subscribers get is fixed."""
        return self.status == self.Status.DRAFT


class IssueArticle(models.Model):
    """An article in an issue, in order: its hero, title, excerpt and link."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="article_items")
    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="newsletter_items")
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return str(self.article)


class IssueProduct(models.Model):
    """A product in an issue, in order: its image, name, rating and price."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="product_items")
    product = models.ForeignKey("products.Product", on_delete=models.PROTECT, related_name="newsletter_items")
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return str(self.product)


class Delivery(models.Model):
    """One issue to one subscriber. Made for every recipient when sending starts; sent at most once.

    A sender claims a row (state SENDING, claimed_at) in its own committed
    transaction before talking SMTP, and marks it SENT after the server accepted
    it. newsletter/sending.py explains the one window this leaves.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (unsubscribed or suppressed)"
        BOUNCED = "bounced", "Bounced"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A temporary SMTP failure is tried again at this time."
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once_per_subscriber")]
        # claim_next() reads the first row of one state in id order: this index hands it over in one step.
        indexes = [models.Index(fields=["issue", "state", "id"], name="delivery_issue_state_id")]

    def __str__(self):
        return f"{self.issue} → {self.subscriber_id} ({self.state})"

    def get_absolute_url(self):
        return self.issue.get_absolute_url()

    @property
    def message_id(self) -> str:
        """The Message-ID of this delivery's email: the same on every attempt, so a resend is recognisable."""
        return f"<issue-{self.issue_id}.delivery-{self.pk}@{settings.NEWSLETTER_LIST_DOMAIN}>"


class SuppressionQuerySet(models.QuerySet):
    def active(self):
        """Suppressions in force: never lifted by staff."""
        return self.filter(lifted_at__isnull=True)

    def for_address(self, email):
        """Exists(): an active suppression of `email` (a value or an OuterRef), whatever its case."""
        return Exists(self.active().filter(email=Lower(email)))

    def _of(self, email: str):
        return self.active().filter(email=email.strip().lower())  # stored lower-case, as providers differ

    def in_force(self, email: str):
        """The active suppression of `email` (any case, surrounding spaces ignored), or None."""
        return self._of(email).first()

    def is_suppressed(self, email: str) -> bool:
        """Return True if no mail may go to `email`: what every send path asks before sending."""
        return self._of(email).exists()


class Suppression(models.Model):
    """An address the mail provider reported as a hard bounce or a spam complaint: never mailed again.

    Kept when lifted (lifted_at, lifted_by), so the record says who let the address back and when.
    """

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"

    email = models.EmailField(max_length=254, help_text="Stored in lower case; matched whatever the case.")
    reason = models.CharField(max_length=10, choices=Reason)
    description = models.TextField(blank=True, help_text="What the provider or the receiving server said.")
    source = models.CharField(
        "suppressed by", max_length=60, help_text="Who or what reported it, e.g. “Mailgun webhook”."
    )
    event_id = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text="The provider's event id: a repeat adds nothing."
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="suppressions"
    )
    created_at = models.DateTimeField("suppressed at", default=timezone.now, db_index=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(lifted_at__isnull=True), name="suppression_active_once_per_address"
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:newsletter_suppression_change", args=[self.pk])

    def is_active(self):
        """Return True while the suppression is in force (what active() selects)."""
        return self.lifted_at is None

    is_active.boolean = True


class ArticleClick(models.Model):
    """A click on an article link in an issue's email (through /newsletter/read/): no personal data."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="article_clicks")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="newsletter_clicks")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    is_bot = models.BooleanField(default=False, help_text="The user agent looked like a robot: left out of reports.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["issue", "article"], name="articleclick_issue_article")]

    def __str__(self):
        return f"{self.issue} → {self.article}"

    def get_absolute_url(self):
        return self.article.get_absolute_url()
