from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView, TemplateView

from kuru_site.pagecache import PublicPageMixin, generation_cached
from products.models import Product

from .models import Article, Author, Topic
from .search import Query, highlight, search_articles, search_products
from .structured_data import article_graph


RELATED_COUNT = 3


def related_articles(article, topics, sections):
    """Three related articles, kept in the cache for the current content generation.

    Any content change starts a new generation, so the list is never stale;
    a warm article page therefore stays at four queries.
    """

    def compute():
        product_ids = {card.product_id for section in sections for card in section.cards.all()}
        topic_slugs = [topic.slug for topic in topics]
        return list(Article.objects.related_to(article, topic_slugs, product_ids)[:RELATED_COUNT])

    return generation_cached(f"related:{article.pk}", compute)


def table_of_contents(sections):
    """[(h2 section, [its h3 sections])], in page order; an h3 with no h2 above stands alone."""
    toc = []
    for section in sections:
        if section.level == 3 and toc:
            toc[-1][1].append(section)
        else:
            toc.append((section, []))
    return toc


class PublishedArticleMixin:
    """Readers see published articles only; preview (the editorial issue) widens this."""

    def get_queryset(self):
        return Article.objects.for_listing()


class HomeView(PublicPageMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            latest_articles=Article.objects.for_listing()[:6],
            recommended_products=Product.objects.recommended()[:6],
            **kwargs,
        )


class ArticleListView(PublicPageMixin, PublishedArticleMixin, ListView):
    paginate_by = 12
    context_object_name = "articles"

    def get(self, request, *args, **kwargs):
        # /blog/?topic=x is the topic page: one cacheable address per list.
        if request.GET.get("topic"):
            topic = get_object_or_404(Topic, slug=request.GET["topic"])
            return redirect(topic, permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # The topic links change only with content; SQLite plans their EXISTS
        # poorly on a large archive, so they are computed once per generation.
        topics = generation_cached("browsable-topics", lambda: list(Topic.objects.with_published_articles()))
        return super().get_context_data(topics=topics, **kwargs)


class ArticlesOfView(PublicPageMixin, PublishedArticleMixin, ListView):
    """Published articles of one topic or author, found by slug; the page gets it as `context_name`."""

    paginate_by = 12
    context_object_name = "articles"
    model = lookup = context_name = None

    def get_queryset(self):
        self.owner = get_object_or_404(self.model, slug=self.kwargs["slug"])
        return super().get_queryset().filter(**{self.lookup: self.owner})

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{self.context_name: self.owner}, **kwargs)


class TopicView(ArticlesOfView):
    model, lookup, context_name = Topic, "topics", "topic"
    template_name = "articles/topic_detail.html"


class AuthorView(ArticlesOfView):
    model, lookup, context_name = Author, "author", "author"
    template_name = "articles/author_detail.html"


class ArticleDetailView(PublicPageMixin, PublishedArticleMixin, DetailView):
    context_object_name = "article"

    def get_queryset(self):
        return super().get_queryset().for_page()

    def get_context_data(self, **kwargs):
        article = self.object
        takeaways, faqs, topics = article.extras()
        sections = list(article.sections.all())
        faq_after = next((s.pk for s in sections if s.show_faq_after), sections[-1].pk if sections else None)
        return super().get_context_data(
            sections=sections,
            takeaways=takeaways,
            faqs=faqs,
            topics=topics,
            faq_after=faq_after,
            toc=table_of_contents(sections),
            structured_data=article_graph(article, faqs, topics),
            related=related_articles(article, topics, sections),
            **kwargs,
        )


class SearchView(ListView):
    """/search/?q= over articles and products; any query, however odd, gets a helpful page."""

    template_name = "search.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        self.query = Query(self.request.GET.get("q", ""))
        if not self.query.is_searchable:
            return Article.objects.none()
        return search_articles(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query.is_searchable:
            context["products"] = search_products(self.query)
            context["results"] = [
                (article, highlight(article.title, self.query, 200), highlight(article.excerpt or article.search_text, self.query))
                for article in context["articles"]
            ]
        return context
