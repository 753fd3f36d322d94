from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .forms import SignupForm
from .services import subscriber_create


def _safe_next(request, url):
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return None


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
    return render(
        request,
        "newsletter/signup.html",
        {"form": form, "subscribed": request.GET.get("subscribed") == "1"},
        status=400 if form.errors else 200,
    )
