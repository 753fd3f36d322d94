from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core import views as core_views

admin.site.site_header = "KURU content"
admin.site.site_title = "KURU content admin"
admin.site.index_title = "Articles, products and newsletter"

# Each app owns its addresses in full (articles: /, /blog/, /authors/, /search/,
# /sitemap.xml; products: /shop/, /go/), under its own namespace.
urlpatterns = [
    path("", include("core.urls")),
    path("", include("articles.urls")),
    path("", include("products.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("admin/", admin.site.urls),
]


if settings.SERVE_MEDIA:
    # A production site behind a web server serves MEDIA_ROOT itself and sets
    # DJANGO_SERVE_MEDIA=0; see README.md.
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", core_views.media))
