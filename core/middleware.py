from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest
from django.urls import reverse


class RejectImpossibleInputMiddleware:
    """Answer 400 to a request carrying what no page can use: a NUL character, in any part.

    PostgreSQL refuses NUL in text (psycopg2 raises ValueError), so such a path
    reached the redirects lookup, a slug or a session key reached the database,
    and the visitor got a 500; the file system refuses it in file names. Forms
    already refuse it (Django's ProhibitNullCharactersValidator); this covers
    what views read without a form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            raise BadRequest("The request contains a NUL character.")
        return self.get_response(request)


def _has_nul(request) -> bool:
    if "\x00" in request.path or "\x00" in request.path_info:
        return True
    texts = [*request.COOKIES.keys(), *request.COOKIES.values()]
    for query in (request.GET,) if request.method != "POST" else (request.GET, request.POST):
        for key, values in query.lists():
            texts.append(key)
            texts.extend(values)
    return any("\x00" in text for text in texts)


class SecurityHeadersMiddleware:
    """Add the security headers Django has no setting for (Permissions-Policy) to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header; admin pages add ADMIN_CONTENT_SECURITY_POLICY_UPDATE to the one policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            parts.update = {**settings.ADMIN_CONTENT_SECURITY_POLICY_UPDATE, **(parts.update or {})}
        return parts
