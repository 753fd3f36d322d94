from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .forms import SignupForm
from .services import subscriber_create


def _safe_next(request, url):
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return None


def _render_signup(request, form, status=200, **context):
    return render(
        request,
        "newsletter/signup.html",
        {"form": form, "subscribed": request.GET.get("subscribed") == "1", **context},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def signup(request):
    """Sign up from any page; without JavaScript, go back to that page's form with the result."""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            subscriber_create(email=form.cleaned_data["email"], source=form.cleaned_data["source"])
            back = _safe_next(request, form.cleaned_data["source"])
            if back:
                return redirect(f"{back.split('#')[0]}?subscribed=1#newsletter")
            return redirect(f"{request.path}?subscribed=1")
    else:
        form = SignupForm(initial={"source": request.path})
    return _render_signup(request, form, status=400 if form.errors else 200)


@never_cache
@require_GET
def token(request):
    """A CSRF token for forms on cached pages (sets this visitor's CSRF cookie)."""
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request, reason=""):
    """A signup without a valid token (no JavaScript on a cached page, or an old tab) keeps what was typed."""
    if request.method == "POST" and request.path == "/newsletter/":
        form = SignupForm(initial={"email": request.POST.get("email", "")[:254], "source": request.POST.get("source", "")[:300]})
        return _render_signup(request, form, status=403, confirm_again=True)
    return default_csrf_failure(request, reason)
