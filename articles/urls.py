from django.contrib.sitemaps.views import sitemap
from django.urls import path

from core.pagecache import public_page

from . import feeds, views
from .sitemaps import SITEMAPS

app_name = "articles"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("blog/", views.ArticleListView.as_view(), name="index"),
    path("blog/feed/", feeds.LatestArticlesFeed(), name="feed-rss"),
    path("blog/feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed-atom"),
    path("blog/topics/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    path("blog/topics/<slug:slug>/feed/", feeds.TopicFeed(), name="topic-feed-rss"),
    path("blog/topics/<slug:slug>/feed/atom/", feeds.TopicAtomFeed(), name="topic-feed-atom"),
    path("blog/preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("blog/preview/shared/<str:token>/", views.SharedPreviewView.as_view(), name="shared-preview"),
    path("blog/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    # Search and the sitemap cover articles and products: they live in the app that sees both.
    path("search/", views.SearchView.as_view(), name="search"),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
]
