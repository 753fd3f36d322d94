from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        from core.pagecache import bump_generation, register_next_change

        from . import dashboard  # noqa: F401 (registers the admin dashboard's blocks)
        from .models import (
            FAQ,
            Article,
            Author,
            ProductCard,
            Redirect,
            Section,
            Takeaway,
            Topic,
            next_draft_time,
            next_scheduled_time,
        )

        for model in (Author, Topic, Redirect):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
        # An article readers cannot see (a draft, one in review, one whose scheduled time stays the same) is
        # on no cached page: its saves, autosaves every 20 s included, keep every reader's cached pages.
        post_save.connect(_article_saved, sender=Article, dispatch_uid="pagecache-save-Article")
        post_delete.connect(_article_deleted, sender=Article, dispatch_uid="pagecache-delete-Article")
        for model in (Takeaway, Section, ProductCard, FAQ):
            post_save.connect(_part_changed, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(_part_changed, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
        m2m_changed.connect(_topics_changed, sender=Article.topics.through, dispatch_uid="pagecache-topics")
        register_next_change(next_scheduled_time)
        # A scheduled draft is applied by the first request after its time (DraftPublishingMiddleware),
        # which only reaches Django once the generation that knows that time has expired.
        register_next_change(next_draft_time)

        from core.pagecache import register_hit_listener
        from products.signals import report_requested

        from .pageviews import count_page_cache_hit, refresh_popular_articles_on_commit

        # Views of article pages that the page cache answers before Django's middleware runs.
        register_hit_listener(count_page_cache_hit)

        # The report of clicks and views includes this process's views not yet written.
        report_requested.connect(_flush_views, dispatch_uid="pageviews-flush-before-report")

        # The 500 page's popular articles are kept in the cache; titles and publishing change with articles.
        post_save.connect(refresh_popular_articles_on_commit, sender=Article, dispatch_uid="popular-save-Article")
        post_delete.connect(refresh_popular_articles_on_commit, sender=Article, dispatch_uid="popular-delete-Article")


_UNKNOWN = object()


def _article_saved(instance, **kwargs):
    """A new page-cache generation when readers saw the article before or see it now, or its schedule changed
    (the generation records the next scheduled time)."""
    from core.pagecache import bump_generation

    before = getattr(instance, "visibility_before_save", _UNKNOWN)  # unknown for raw saves (loaddata)
    after = instance.visibility()
    if before is _UNKNOWN or "public" in (before, after) or before != after:
        bump_generation()


def _article_deleted(instance, **kwargs):
    from core.pagecache import bump_generation

    if instance.visibility() is not None:
        bump_generation()


def _part_changed(instance, **kwargs):
    """A takeaway, section, card or FAQ changed: a new generation only if its article is public.

    A scheduled article's parts are read when its time comes, under the generation that
    time starts; the save that makes an article public starts one anyway.
    """
    from core.pagecache import bump_generation

    from .models import Article

    if type(instance).article.is_cached(instance):
        article = instance.article
    else:
        article = Article.objects.only("status", "published_at").filter(pk=instance.article_id).first()
    if article is not None and article.visibility() == "public":
        bump_generation()


def _topics_changed(instance, **kwargs):
    from core.pagecache import bump_generation

    from .models import Article

    if not isinstance(instance, Article) or instance.visibility() == "public":
        bump_generation()


def _flush_views(**kwargs):
    from .pageviews import flush

    flush()
