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

        for model in (Author, Article, Takeaway, Section, ProductCard, FAQ, Topic, Redirect):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
        m2m_changed.connect(bump_generation, sender=Article.topics.through, dispatch_uid="pagecache-topics")
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


def _flush_views(**kwargs):
    from .pageviews import flush

    flush()
