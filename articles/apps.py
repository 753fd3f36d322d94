from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        from kuru_site.pagecache import bump_generation, register_next_change

        from .models import FAQ, Article, Author, ProductCard, Redirect, Section, Takeaway, Topic, next_scheduled_time

        for model in (Author, Article, Takeaway, Section, ProductCard, FAQ, Topic, Redirect):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
            post_delete.connect(bump_generation, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}")
        m2m_changed.connect(bump_generation, sender=Article.topics.through, dispatch_uid="pagecache-topics")
        register_next_change(next_scheduled_time)
