from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.static import serve

from .pagecache import public_page


def answers_csrf_failure(handler):
    """Let `handler(request, reason, **url_kwargs)` answer a POST to the decorated view that fails the CSRF check.

    The handler returns a response, or None to leave the answer to Django.

    Forms on cached pages carry no token; a visitor without JavaScript then gets
    the form back, as typed, with a fresh token, instead of Django's bare 403.
    """

    def decorate(view):
        view.csrf_failure = handler
        return view

    return decorate


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the refused view's own handler when it has one, else Django's page."""
    match = request.resolver_match
    handler = getattr(match.func, "csrf_failure", None) if match is not None else None
    if request.method == "POST" and handler is not None:
        response = handler(request, reason, *match.args, **match.kwargs)
        if response is not None:
            return response
    return default_csrf_failure(request, reason)


@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /newsletter/confirm/",
        "Disallow: /newsletter/unsubscribe/",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def media(request, path):
    """Uploaded images, read from MEDIA_ROOT as it is now (tests move it).

    A name the file system cannot hold (too long, say) is a missing file, not an error.
    """
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):
        raise Http404("No such file.") from None
