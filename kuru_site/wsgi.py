"""
WSGI config for kuru_site project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuru_site.settings")

django_application = get_wsgi_application()

# Page-cache hits are answered before Django's request handling (core/pagecache.py).
from core.pagecache import PageCacheApplication  # noqa: E402  (after Django is set up)

application = PageCacheApplication(django_application)
