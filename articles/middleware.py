from django.http import HttpResponsePermanentRedirect

from .models import Redirect
from .publishing import publish_due_drafts


class RedirectFallbackMiddleware:
    """Answer a 404 with a 301 when the redirects table knows where the page went."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        target = Redirect.objects.filter(old_path=request.path).values_list("new_path", flat=True).first()
        if target:
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
        return response


class DraftPublishingMiddleware:
    """Before anything reads an article: apply the scheduled drafts whose time has come.

    The project's clock rule without a cron: the first read (GET or HEAD) after
    the time publishes the change, and its commit starts a new page-cache
    generation, so this sits outside the page cache. When nothing is due it
    costs one cache read. Posts (a signup, say) read no article and skip it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            publish_due_drafts()
        return self.get_response(request)
