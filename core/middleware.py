from django.core.exceptions import BadRequest


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
