from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView, TemplateView

from core.pagecache import PublicPageMixin, generation_cached
from products.models import Product

from . import drafts
from .models import Article, ArticleDraft, Author, Topic
from .preview import article_id_from_token, max_age_days
from .search import Query, highlight, search_articles, search_products
from .structured_data import article_graph

RELATED_COUNT = 3


def related_articles(article, topics, sections, *, cached=True):
    """Three related articles, kept in the cache for the current content generation.

    Any content change starts a new generation, so the list is never stale;
    a warm article page therefore costs only the queries of Article.objects.for_page().
    """

    def compute():
        product_ids = {card.product_id for section in sections for card in section.page_cards}
        topic_slugs = [topic.slug for topic in topics]
        return list(Article.objects.related_to(article, topic_slugs, product_ids)[:RELATED_COUNT])

    return generation_cached(f"related:{article.pk}", compute) if cached else compute()


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
            recommended_products=Product.objects.recommended().with_article_pick().select_related("image")[:6],
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


class ArticlePageMixin:
    """Everything the article page shows; public view and previews differ only in who may see what."""

    context_object_name = "article"
    template_name = "articles/article_detail.html"
    shows_draft = False

    def get_context_data(self, **kwargs):
        # Everything below was read with the article: ArticleQuerySet.for_page().
        article = self.object
        sections, faqs, topics = list(article.sections.all()), article.faqs.all(), article.topics.all()
        faq_after = next((s.pk for s in sections if s.show_faq_after), sections[-1].pk if sections else None)
        return super().get_context_data(
            sections=sections,
            takeaways=article.takeaways.all(),
            faqs=faqs,
            topics=topics,
            faq_after=faq_after,
            toc=table_of_contents(sections),
            structured_data=article_graph(article, faqs, topics),
            related=related_articles(article, topics, sections, cached=not self.shows_draft),
            **kwargs,
        )


class ArticleDetailView(PublicPageMixin, ArticlePageMixin, DetailView):
    """The article at this slug if readers can see it; otherwise a 404."""

    def get_queryset(self):
        return Article.objects.published().for_page()


class PreviewMixin(ArticlePageMixin):
    """Any article, draft or scheduled, exactly as readers will see it, marked as a preview; never cached."""

    def get_queryset(self):
        return Article.objects.for_page()

    def get(self, request, *args, **kwargs):
        # A live article with unpublished changes: show the changes, written over the
        # live rows in a transaction that is rolled back once the page is rendered.
        draft = ArticleDraft.objects.select_related("article").filter(article_id=self.kwargs.get("pk")).first()
        if draft is None:
            return super().get(request, *args, **kwargs)
        self.shows_draft = True
        with transaction.atomic():
            drafts.apply_snapshot(draft.article, draft.snapshot)
            response = super().get(request, *args, **kwargs)
            response.render()
            transaction.set_rollback(True)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, shows_draft=self.shows_draft, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class ArticlePreviewView(PreviewMixin, DetailView):
    """For staff: the Preview button in the admin."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff and user.has_perm("articles.view_article")):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return super().dispatch(request, *args, **kwargs)


class SharedPreviewView(PreviewMixin, DetailView):
    """For a colleague without an admin account: a signed link that expires (articles/preview.py)."""

    def get(self, request, *args, **kwargs):
        article_id = article_id_from_token(kwargs["token"])
        if article_id is None:
            response = render(request, "articles/preview_invalid.html", {"days": max_age_days()}, status=404)
            patch_cache_control(response, private=True, no_store=True)
            return response
        self.kwargs["pk"] = article_id
        return super().get(request, *args, **kwargs)


class LivePreviewPage(PreviewMixin, DetailView):
    """The unsaved change form as readers would see it (articles/admin/editing.py writes it, then rolls back)."""

    shows_draft = True  # related articles are not cached: the rows are about to be rolled back


def render_live_preview(request, article_id, notes):
    """The preview page of the article rows as the caller's transaction has them, rendered now."""
    page = LivePreviewPage()
    page.setup(request, pk=article_id)
    page.object = page.get_object()
    response = page.render_to_response(page.get_context_data(object=page.object, live_preview=True, notes=notes))
    response.render()
    return response


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
                (
                    article,
                    highlight(article.title, self.query, 200),
                    highlight(article.excerpt or article.search_text, self.query),
                )
                for article in context["articles"]
            ]
        return context
