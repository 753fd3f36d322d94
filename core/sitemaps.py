from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


class SiteSitemap(Sitemap):
    """A sitemap whose locations are on SITE_URL, whatever Host or scheme the request came with.

    The sitemap is cached for every visitor: one request's X-Forwarded-Proto or
    Host must not choose the addresses everyone else is given.
    """

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc
