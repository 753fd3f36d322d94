from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve

from articles.feeds import LatestArticlesAtomFeed, LatestArticlesFeed, TopicAtomFeed, TopicFeed
from articles.sitemaps import SITEMAPS
from articles.views import AuthorView, HomeView, SearchView
from kuru_site.pagecache import public_page
from products import views as product_views

admin.site.site_header = "KURU content"
admin.site.site_title = "KURU content admin"
admin.site.index_title = "Articles, products and newsletter"


@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /newsletter/confirm/",
        "Disallow: /newsletter/unsubscribe/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


urlpatterns = [
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("blog/feed/", LatestArticlesFeed(), name="feed-rss"),
    path("blog/feed/atom/", LatestArticlesAtomFeed(), name="feed-atom"),
    path("blog/topics/<slug:slug>/feed/", TopicFeed(), name="topic-feed-rss"),
    path("blog/topics/<slug:slug>/feed/atom/", TopicAtomFeed(), name="topic-feed-atom"),
    path("", HomeView.as_view(), name="home"),
    path("blog/", include("articles.urls")),
    path("authors/<slug:slug>/", AuthorView.as_view(), name="author"),
    path("search/", SearchView.as_view(), name="search"),
    path("go/<slug:slug>/", product_views.go, name="go"),
    path("shop/", include("products.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("admin/", admin.site.urls),
]


def media(request, path):
    """Uploaded images, read from MEDIA_ROOT as it is now (tests move it)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    # A production site behind a web server serves MEDIA_ROOT itself and sets
    # DJANGO_SERVE_MEDIA=0; see README.md.
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", media))
