import math
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from core.images import rendition
from core.models import Image, check_image_alt, image_alt
from core.richtext import count_words, html_to_text, sanitize_html
from core.slugs import check_slug, make_slug, unique_slug

# The text search configuration of the stored vector and of readers' queries (articles/search.py).
SEARCH_CONFIG = "english"


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    is_organization = models.BooleanField(
        default=False,
        help_text="Tick for a brand or team byline: the article then ends with “About Us”.",
    )
    bio_html = models.TextField(
        "bio",
        blank=True,
        help_text="A short paragraph about the author. Paragraphs, bold, italic, links, lists and quotes.",
    )
    avatar = models.ForeignKey(
        "core.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="avatars",
        help_text="A square photo or logo from the library, at least 160×160 pixels.",
    )
    avatar_alt = models.CharField(
        "avatar alt text",
        max_length=200,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. Empty: the image’s default alt text.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        check_slug(self)
        self.bio_html = sanitize_html(self.bio_html)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        check_image_alt(self.avatar, self.avatar_alt, "avatar_alt", errors)
        if errors:
            raise ValidationError(errors)

    @property
    def avatar_alt_text(self):
        return image_alt(self.avatar, self.avatar_alt)

    @property
    def about_heading(self):
        return "About Us" if self.is_organization else f"About {self.name}"


class TopicQuerySet(models.QuerySet):
    def with_published_articles(self):
        """Topics readers can browse. EXISTS stops at the first live article, whatever the archive's size."""
        return self.filter(models.Exists(Article.objects.published().filter(topics=models.OuterRef("pk"))))


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="One or two sentences shown on the topic page.")

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            others = Topic.objects.exclude(pk=self.pk)
            self.slug = unique_slug(self.name, lambda s: others.filter(slug=s).exists(), 80, "topic")
        check_slug(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


# The whole text of an article twice over: nothing a reader sees needs it.
SEARCH_COLUMNS = ("search_text", "search_vector")
# What Section.callout_link reads of the article a callout names.
CALLOUT_TARGET_FIELDS = ("slug", "status", "published_at")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers can see: published, with a publication time that has passed."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Articles readers will see once their publication time comes: published, with a future time."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def refresh_search_vectors(self):
        """Store the weighted tsvector (title A, excerpt B, text C) that search ranks by; PostgreSQL only."""
        if connection.vendor == "postgresql":
            self.update(
                search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
                + SearchVector("excerpt", weight="B", config=SEARCH_CONFIG)
                + SearchVector("search_text", weight="C", config=SEARCH_CONFIG)
            )

    def for_listing(self):
        """Published articles as lists and cards show them: with their authors, without the search
        columns (the whole text twice: 28 kB for the seed article, decoded on every row)."""
        return self.published().select_related("author", "hero_image").defer(*SEARCH_COLUMNS)

    def for_page(self):
        """Articles with everything their page shows, in six queries however long the article is.

        The author comes along, the search columns stay behind. `sections.all()` are in
        page order, each with its guide callout's target (only the columns Section.callout_link
        reads) and `page_cards`: its cards of active products, product included. A card filed
        under another article's section is on neither page. Takeaways, FAQs and topics
        (by name) come in their own order.
        """
        cards = ProductCard.objects.filter(
            product__is_active=True, article=models.F("section__article")
        ).select_related("product__image")
        sections = Section.objects.select_related("callout_article", "figure_image").only(
            *(field.name for field in Section._meta.concrete_fields),
            *(f"callout_article__{name}" for name in CALLOUT_TARGET_FIELDS),
            *(f"figure_image__{field.name}" for field in Image._meta.concrete_fields),
        )
        return (
            self.select_related("author__avatar", "hero_image")
            .defer(*SEARCH_COLUMNS)
            .prefetch_related(
                models.Prefetch("sections", queryset=sections),
                models.Prefetch("sections__cards", queryset=cards, to_attr="page_cards"),
                "takeaways",
                "faqs",
                "topics",
            )
        )

    def related_to(self, article, topic_slugs, product_ids):
        """Published articles sharing topics (first) or products (next) with `article`, best first."""
        from django.db.models import Count, Q

        shared = Q(topics__slug__in=topic_slugs) | Q(product_cards__product_id__in=product_ids)
        return (
            self.for_listing()
            .exclude(pk=article.pk)
            .filter(shared)
            .annotate(
                shared_topics=Count("topics", filter=Q(topics__slug__in=topic_slugs), distinct=True),
                shared_products=Count(
                    "product_cards__product", filter=Q(product_cards__product_id__in=product_ids), distinct=True
                ),
            )
            .order_by("-shared_topics", "-shared_products", "-published_at", "-id")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="The last part of the article’s address.")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="articles")
    excerpt = models.TextField(
        max_length=400,
        blank=True,
        help_text="One or two sentences shown on the blog list and home page.",
    )
    hero_image = models.ForeignKey(
        "core.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="heroes",
        help_text="A wide picture from the library, at least 1600×900 pixels.",
    )
    hero_alt = models.CharField(
        "hero alt text", max_length=250, blank=True, help_text="Empty: the image’s default alt text."
    )
    # The 1200×630 crop of the hero that social networks show; made on save.
    social_image = models.ImageField(upload_to="renditions/", blank=True, editable=False)
    social_image_source = models.CharField(max_length=200, blank=True, editable=False)
    intro_html = models.TextField(
        "introduction",
        blank=True,
        help_text="The paragraphs before the first section heading.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Readers see a published article only once this time has passed: a future time schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who saved the article last in the admin (autosaves too): the dashboard's "My drafts". Changes to a
    # live article are its draft's, with their own saved_by.
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    seo_title = models.CharField(
        "SEO title", max_length=200, blank=True, help_text="Shown in search results; the title when empty."
    )
    meta_description = models.CharField(
        max_length=300, blank=True, help_text="Shown in search results. Aim for at most 160 characters."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    word_count = models.PositiveIntegerField(default=0, editable=False)
    # Everything a reader can read below the title, as plain text, for search (made on save).
    search_text = models.TextField(blank=True, editable=False)
    # PostgreSQL's weighted tsvector of title, excerpt and search_text (unused elsewhere).
    search_vector = SearchVectorField(null=True, editable=False)
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        # Matches the listing order exactly (with the id tie-break), so a page
        # of /blog/ reads its 12 rows from the index however large the archive.
        indexes = [models.Index(fields=["status", "-published_at", "-id"], name="article_listing")]
        # Writers draft; only holders of this permission (the Editors group)
        # make an article public, take it down, or restore an old revision.
        permissions = [("publish_article", "Can publish articles and restore revisions")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        check_slug(self)
        self.intro_html = sanitize_html(self.intro_html)
        self._refresh_social_image()
        old = Article.objects.only("slug", "status", "published_at").filter(pk=self.pk).first() if self.pk else None
        # What readers' pages knew of this row before the save (the page cache asks, articles/apps.py).
        self.visibility_before_save = old.visibility() if old is not None else None
        super().save(*args, **kwargs)
        if old is not None and old.is_published() and old.slug != self.slug:
            # Readers and search engines know the old address: send them on.
            Redirect.add(old.get_absolute_url(), self.get_absolute_url())

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @property
    def hero_alt_text(self):
        return image_alt(self.hero_image, self.hero_alt)

    def _refresh_social_image(self):
        """Crop the hero to 1200×630 around its focal point, unless the crop of this image and point exists."""
        image = self.hero_image
        if image is None:
            self.social_image, self.social_image_source = "", ""
            return
        x, y = image.focal_point
        source = f"{image.file.name}#{x:.4f},{y:.4f}"
        if self.social_image and self.social_image_source == source:
            return
        with image.file.storage.open(image.file.name, "rb") as original:
            data = original.read()
        self.social_image = rendition(data, 1200, 630, "renditions", focal=(x, y))
        self.social_image_source = source

    def image_changed(self):
        """The library image changed (its focal point): make the social crop again."""
        self._refresh_social_image()
        Article.objects.filter(pk=self.pk).update(
            social_image=self.social_image.name, social_image_source=self.social_image_source
        )

    def clean(self):
        errors = {}
        check_image_alt(self.hero_image, self.hero_alt, "hero_alt", errors)
        if errors:
            raise ValidationError(errors)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def is_published(self):
        """Return True if readers can see this article."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    is_published.boolean = True

    def is_scheduled(self):
        """Return True if readers will see this article once its publication time comes."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def visibility(self):
        """What public pages know of this article: "public", ("scheduled", its time), or None (private).

        A private article (a draft, or one in review) is on no public page, and a
        scheduled one only through its time, which the page cache's generation records.
        """
        if self.is_published():
            return "public"
        if self.is_scheduled():
            return ("scheduled", self.published_at)
        return None

    @property
    def page_title(self):
        return self.seo_title or self.title

    def refresh_derived(self):
        """Recount the words readers read and rebuild the search text (done on save, never per view)."""
        sections = list(self.sections.all())
        takeaways = list(self.takeaways.values_list("text", flat=True))
        faqs = [f"{q} {html_to_text(a)}" for q, a in self.faqs.values_list("question", "answer_html")]
        body = [
            html_to_text(self.intro_html),
            *takeaways,
            *(f"{s.heading} {html_to_text(s.body_html)} {s.figure_caption}" for s in sections),
            *faqs,
        ]
        words = count_words(self.title, *body)
        minutes = max(1, math.ceil(words / settings.READING_WORDS_PER_MINUTE))
        search_text = " ".join(part for part in body if part)
        Article.objects.filter(pk=self.pk).update(word_count=words, reading_minutes=minutes, search_text=search_text)
        self.word_count, self.reading_minutes, self.search_text = words, minutes, search_text
        Article.objects.filter(pk=self.pk).refresh_search_vectors()


class Takeaway(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="takeaways")
    text = models.CharField(max_length=300)
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.text


class Section(models.Model):
    class Level(models.IntegerChoices):
        H2 = 2, "Heading (h2)"
        H3 = 3, "Subheading (h3)"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    sort_order = models.PositiveIntegerField(default=0, db_index=True)
    heading = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField(choices=Level, default=Level.H2)
    body_html = models.TextField(
        "body",
        blank=True,
        help_text="Paragraphs, bold, italic, links, lists and quotes. Anything else is removed on save.",
    )
    figure_image = models.ForeignKey(
        "core.Image", on_delete=models.PROTECT, null=True, blank=True, related_name="figures", verbose_name="figure"
    )
    figure_alt = models.CharField(
        "figure alt text",
        max_length=250,
        blank=True,
        help_text="What the figure shows here. Empty: the image’s default alt text.",
    )
    figure_caption = models.CharField(max_length=300, blank=True)
    callout_lead = models.CharField(
        "guide callout lead", max_length=200, blank=True, help_text="e.g. “Discover relief with our”."
    )
    callout_link_text = models.CharField("guide callout link text", max_length=200, blank=True)
    callout_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Link to one of our articles…",
    )
    callout_url = models.URLField("…or to this address", blank=True)
    anchor = models.SlugField(
        max_length=80,
        blank=True,
        help_text="The #link to this heading. Made from the heading; kept when other sections change.",
    )
    show_faq_after = models.BooleanField(
        "FAQ after this section",
        default=False,
        help_text="Show the FAQ after this section. When no section is ticked it follows the last one.",
    )

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.body_html = sanitize_html(self.body_html)
        if not self.anchor or self._heading_changed():
            self.anchor = self._unique_anchor()
        super().save(*args, **kwargs)

    def _heading_changed(self):
        if not self.pk:
            return False
        old = Section.objects.filter(pk=self.pk).values_list("heading", flat=True).first()
        return old is not None and old != self.heading

    def _unique_anchor(self):
        """A slug of the heading, unique within the article: duplicates get -2, -3…"""
        base = make_slug(self.heading, 70) or "section"
        taken = set(
            Section.objects.filter(article_id=self.article_id).exclude(pk=self.pk).values_list("anchor", flat=True)
        )
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        return anchor

    def clean(self):
        errors = {}
        check_image_alt(self.figure_image, self.figure_alt, "figure_alt", errors)
        has_callout = any([self.callout_lead, self.callout_link_text, self.callout_article_id, self.callout_url])
        if has_callout:
            if not self.callout_link_text.strip():
                errors["callout_link_text"] = "A guide callout needs link text."
            if bool(self.callout_article_id) == bool(self.callout_url):
                errors["callout_url"] = "Link the callout to one article or one address, not both or neither."
        if errors:
            raise ValidationError(errors)

    @property
    def figure_alt_text(self):
        return image_alt(self.figure_image, self.figure_alt)

    @property
    def callout_link(self):
        """The guide callout's address; None without a callout or when the article it names is not public."""
        if self.callout_article_id:
            target = self.callout_article
            return target.get_absolute_url() if target.is_published() else None
        return self.callout_url or None


class ProductCardQuerySet(models.QuerySet):
    def in_published_articles(self):
        """Cards readers see now: the shop's "Recommended" badge (through `product.cards`, as below)."""
        return self.filter(article__in=Article.objects.published())

    def in_live_or_scheduled_articles(self):
        """Cards readers see now or will see without anyone acting: those of published and scheduled articles.

        The products app reaches this through `product.cards` (it never imports articles).
        """
        return self.filter(
            models.Q(article__in=Article.objects.published()) | models.Q(article__in=Article.objects.scheduled())
        )


class ProductCard(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="product_cards")
    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="cards",
        help_text="The card is shown after this section.",
    )
    product = models.ForeignKey("products.Product", on_delete=models.PROTECT, related_name="cards")
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    objects = ProductCardQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "product card"

    def __str__(self):
        # A form shown again may hold a card whose section is still to be chosen (or is a new row).
        where = f"after “{self.section}”" if self.section_id else "(section not chosen yet)"
        product = self.product if self.product_id else "No product"
        return f"{product} {where}"

    def clean(self):
        if self.section_id and self.section.article_id != self.article_id:
            raise ValidationError({"section": "Choose a section of this article."})


class FAQ(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer_html = models.TextField("answer", help_text="Paragraphs, bold, italic, links, lists and quotes.")
    sort_order = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer_html = sanitize_html(self.answer_html)
        super().save(*args, **kwargs)


class ArticleDraftQuerySet(models.QuerySet):
    def due(self):
        """Scheduled drafts whose publication time has passed: readers should see them now."""
        return self.filter(publish_at__lte=timezone.now())

    def scheduled(self):
        """Drafts an Editor scheduled for a time still to come."""
        return self.filter(publish_at__gt=timezone.now())


class ArticleDraft(models.Model):
    """Unpublished changes to a live article: a snapshot of it and its children (articles/drafts.py).

    Readers keep seeing the live rows until an Editor publishes the draft, which
    writes the snapshot over them in one transaction.
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="draft")
    snapshot = models.JSONField(help_text="The article with its takeaways, sections, cards, FAQs and topics.")
    saved_at = models.DateTimeField(auto_now=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When an Editor scheduled these changes to go live; empty when not scheduled."
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    problem = models.TextField(
        blank=True, help_text="Why scheduled changes were not published at their time (a publishing rule broke)."
    )

    objects = ArticleDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at"]
        indexes = [models.Index(fields=["publish_at"], name="article_draft_publish_at")]

    def __str__(self):
        return f"Unpublished changes to “{self.article}”"

    def get_absolute_url(self):
        return reverse("articles:preview", args=[self.article_id])

    def is_scheduled(self):
        """Return True if these changes go live by themselves at a time still to come."""
        return self.publish_at is not None and self.publish_at > timezone.now()


class Review(models.Model):
    """Where an article's draft stands in review: a Writer submits it, an Editor asks for changes or approves."""

    class State(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="review")
    state = models.CharField(max_length=20, choices=State, default=State.IN_REVIEW)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["updated_at"]

    def __str__(self):
        return f"“{self.article}”: {self.get_state_display()}"

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.article_id])


class ReviewComment(models.Model):
    """One step of an article's review, with who and when: kept after the article is published."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for review"
        COMMENTED = "commented", "Commented"
        CHANGES_REQUESTED = "changes_requested", "Asked for changes"
        APPROVED = "approved", "Approved and published"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action, default=Action.COMMENTED)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.author}"

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.article_id])


class EditPresenceQuerySet(models.QuerySet):
    def active(self):
        """Rows of people whose change form sent a heartbeat within EDIT_PRESENCE_SECONDS."""
        return self.filter(seen_at__gte=timezone.now() - timedelta(seconds=EDIT_PRESENCE_SECONDS))


# A change form sends a heartbeat every 30 s; two minutes without one and its user has left.
EDIT_PRESENCE_SECONDS = 120


class EditPresence(models.Model):
    """Someone has the article's change form open (refreshed by its heartbeat), and what they last saved.

    articles/editing.py: the notice "Alice is editing this article too" and the
    rule refusing a save over someone else's newer one read these rows.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="edit_presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    saved_version = models.CharField(
        max_length=40, blank=True, help_text="The version (articles.editing.edit_version) this user's last save made."
    )

    objects = EditPresenceQuerySet.as_manager()

    class Meta:
        ordering = ["-seen_at"]
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="edit_presence_unique")]

    def __str__(self):
        return f"{self.user} editing “{self.article}”"

    def get_absolute_url(self):
        return reverse("admin:articles_article_change", args=[self.article_id])


def next_draft_time():
    """POSIX time at which the next scheduled draft is due (maybe past, if none has applied it yet), or None."""
    upcoming = (
        ArticleDraft.objects.filter(publish_at__isnull=False)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else None


def next_scheduled_time():
    """POSIX time at which the next scheduled article goes live, or None."""
    upcoming = Article.objects.scheduled().order_by("published_at").values_list("published_at", flat=True).first()
    return upcoming.timestamp() if upcoming else None


class Redirect(models.Model):
    """An old address that now lives elsewhere: answered with a 301. Slug changes add one."""

    old_path = models.CharField(max_length=300, unique=True, help_text="e.g. /blog/old-slug/")
    new_path = models.CharField(max_length=300, help_text="e.g. /blog/new-slug/ (a path on this site).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.new_path}"

    def clean(self):
        errors = {}
        for field in ("old_path", "new_path"):
            value = getattr(self, field)
            if not value.startswith("/") or value.startswith("//"):
                errors[field] = "Enter a path on this site, starting with a single /."
        if not errors and self.old_path == self.new_path:
            errors["new_path"] = "The new path must differ from the old one."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def add(cls, old_path: str, new_path: str):
        """Point old_path at new_path, and re-point anything that led to old_path (no chains, no loops)."""
        cls.objects.filter(new_path=old_path).update(new_path=new_path)
        cls.objects.filter(old_path=new_path).delete()
        cls.objects.update_or_create(old_path=old_path, defaults={"new_path": new_path})
