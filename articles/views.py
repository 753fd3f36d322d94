from django.core.paginator import Paginator
from django.views.generic import DetailView, ListView, TemplateView

from kuru_site.pagecache import PublicPageMixin
from products.models import Product

from .models import Article


class PublishedArticleMixin:
    """Readers see published articles only; preview (the editorial issue) widens this."""

    def get_queryset(self):
        return Article.objects.published().select_related("author")


class HomeView(PublicPageMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            latest_articles=Article.objects.published().select_related("author")[:6],
            recommended_products=Product.objects.recommended()[:6],
            **kwargs,
        )


class ArticleListView(PublicPageMixin, PublishedArticleMixin, ListView):
    paginate_by = 12
    context_object_name = "articles"
    paginator_class = Paginator


class ArticleDetailView(PublicPageMixin, PublishedArticleMixin, DetailView):
    context_object_name = "article"

    def get_queryset(self):
        return super().get_queryset().for_page()

    def get_context_data(self, **kwargs):
        article = self.object
        takeaways, faqs = article.extras()
        sections = list(article.sections.all())
        faq_after = next((s.pk for s in sections if s.show_faq_after), sections[-1].pk if sections else None)
        return super().get_context_data(
            sections=sections, takeaways=takeaways, faqs=faqs, faq_after=faq_after, **kwargs
        )
