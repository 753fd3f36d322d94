from django.conf import settings
from django.views.static import serve
from django.contrib import admin
from django.urls import include, path, re_path

from articles.views import AuthorView, HomeView

admin.site.site_header = "KURU content"
admin.site.site_title = "KURU content admin"
admin.site.index_title = "Articles, products and newsletter"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("blog/", include("articles.urls")),
    path("authors/<slug:slug>/", AuthorView.as_view(), name="author"),
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
