import json
import logging
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import DetailView, ListView

from core.pagecache import PublicPageMixin
from core.ratelimit import is_rate_limited
from core.views import answers_csrf_failure
from core.visitors import is_staff_visit, looks_like_bot

from .emails import issue_link_query
from .forms import BOT, STALE, SignupForm, new_stamp
from .models import ArticleClick, Issue, Subscriber
from .services import subscriber_confirm, subscriber_signup, subscriber_unsubscribe
from .tokens import subscriber_from_confirm_token, subscriber_from_unsubscribe_token

logger = logging.getLogger(__name__)

FORM_MESSAGE_TAG = "newsletter-form"
RATE_LIMITED = "You’ve signed up several times in a short while. Please wait a minute and try again."
ASK_AGAIN = "Almost there: press Subscribe once more to confirm your signup."


RESULTS = ("check-inbox", "subscribed")  # the ?newsletter= values a page may show


def _result():
    return "check-inbox" if settings.NEWSLETTER_DOUBLE_OPT_IN else "subscribed"


def shown_result(request):
    """The signup result this page was sent back with, if it is one we show."""
    result = request.GET.get("newsletter")
    return result if result in RESULTS else None


def _typed(request):
    """What the visitor typed into the form, bounded, to give it back to them."""
    return {k: request.POST.get(k, "")[:300] for k in ("email", "source", "placement")}


def _safe_path(request, url):
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url.split("#")[0].split("?")[0]
    return None


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


def _box(request, form=None, result=None, notice=None):
    return render_to_string(
        "includes/newsletter_box.html", {"form": form, "result": result, "notice": notice}, request=request
    )


def _page(request, form, status=200, result=None, notice=None):
    return render(request, "newsletter/signup.html", {"form": form, "result": result, "notice": notice}, status=status)


def _after_sending(response, work):
    """Run `work()` once the server has sent `response`, and log its failure.

    WSGI and ASGI servers (and the test client) call the response's public
    close() after sending it; this response's close() runs `work` after Django's
    own. Nothing the visitor waits for depends on it, so a failure is logged.
    """
    close = response.close

    def close_then_work():
        close()
        try:
            work()
        except Exception:
            logger.exception("A newsletter signup could not be queued.")

    response.close = close_then_work
    return response


def _ask_again(request, reason=""):
    """The form back, as typed, with a fresh CSRF token and stamp, asking to press Subscribe once more.

    The answer to a signup without a valid CSRF token (no JavaScript on a cached
    page, or an old tab) or without a valid stamp (missing, expired or used).
    """
    form = SignupForm(initial=_typed(request))
    if _wants_json(request):
        return JsonResponse({"ok": False, "html": _box(request, form, notice=ASK_AGAIN)}, status=403)
    return _page(request, form, status=403, notice=ASK_AGAIN)


@answers_csrf_failure(_ask_again)
@require_http_methods(["GET", "POST"])
def signup(request):
    """The signup form's target, for JavaScript (JSON) and plain HTML posts alike.

    Every accepted address gets the same answer, whether it is new, pending,
    confirmed or unsubscribed, so the form tells nobody who is on the list.
    """
    if request.method == "GET":
        form = SignupForm(initial={"source": request.path, "placement": Subscriber.Placement.PAGE})
        return _page(request, form, result=shown_result(request))

    form = SignupForm(request.POST)
    back = _safe_path(request, request.POST.get("source")) or request.path
    if is_rate_limited(request, scope="signup", limit=settings.NEWSLETTER_RATE_LIMIT_PER_MINUTE, period=60):
        form.is_valid()
        if _wants_json(request):
            return JsonResponse({"ok": False, "html": _box(request, form, notice=RATE_LIMITED)}, status=429)
        return _page(
            request,
            SignupForm(initial={"email": request.POST.get("email", "")[:254], "source": back}),
            status=429,
            notice=RATE_LIMITED,
        )
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"ok": False, "html": _box(request, form)}, status=400)
        if back == request.path:
            return _page(request, form, status=400)
        # Back to the page the form was on, where the box shows the errors next to the field.
        messages.error(request, json.dumps(_typed(request)), extra_tags=FORM_MESSAGE_TAG)
        return redirect(f"{back}#newsletter")
    verdict = form.verdict()
    if verdict == STALE:
        return _ask_again(request)
    if _wants_json(request):
        response = JsonResponse({"ok": True, "html": _box(request, result=_result())})
    else:
        response = redirect(f"{back}?newsletter={_result()}#newsletter")
    if verdict == BOT:
        return response  # as if it worked; nothing is stored
    # Whether the address is new, pending, confirmed or unsubscribed shows only in
    # what the queued task does, after the visitor has the answer: not in its timing.
    signup = partial(
        subscriber_signup,
        email=form.cleaned_data["email"],
        source_url=back,
        placement=form.cleaned_data["placement"] or Subscriber.Placement.OTHER,
        ip=_client_ip(request),
    )
    return _after_sending(response, signup)


@never_cache
@require_GET
def token(request):
    """A CSRF token (setting this visitor's CSRF cookie) and a fresh stamp, for forms on cached pages."""
    return JsonResponse({"token": get_token(request), "stamp": new_stamp()})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The emailed link opens a page; only its Confirm button (a POST) subscribes."""
    subscriber = subscriber_from_confirm_token(token)
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", {"what": "confirmation"}, status=400)
    if request.method == "POST":
        confirmed = subscriber_confirm(subscriber=subscriber)
        return render(
            request, "newsletter/confirm.html", {"done": confirmed, "subscriber": subscriber, "refused": not confirmed}
        )
    return render(
        request,
        "newsletter/confirm.html",
        {"subscriber": subscriber, "already": subscriber.status == Subscriber.Status.CONFIRMED},
    )


@csrf_exempt  # RFC 8058 one-click: mail providers POST without a token; the signed link is the proof.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscriber = subscriber_from_unsubscribe_token(token)
    if subscriber is None:
        return render(request, "newsletter/link_invalid.html", {"what": "unsubscribe"}, status=400)
    if request.method == "POST":
        subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "newsletter/unsubscribe.html", {"done": True, "subscriber": subscriber})
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@never_cache
@require_GET
def read(request, issue_id, slug):
    """An article link in an issue's email: count the click, then open the article with the issue as campaign.

    Only to a published article of this site (never an open redirect); staff are not counted.
    """
    from articles.models import Article

    issue = Issue.objects.filter(pk=issue_id).first()
    article = Article.objects.published().filter(slug=slug).first()
    if issue is None or article is None:
        raise Http404("This article is not available any more.")
    # Test sends and previews of drafts are not what the issue did.
    if issue.status in (Issue.Status.SENDING, Issue.Status.SENT) and not is_staff_visit(request):
        ArticleClick.objects.create(
            issue=issue, article=article, is_bot=looks_like_bot(request.headers.get("User-Agent", ""))
        )
    return HttpResponseRedirect(article.get_absolute_url() + "?" + issue_link_query(issue, slug))


class IssueArchiveView(PublicPageMixin, ListView):
    """Sent issues, newest first: what went out, never to whom."""

    queryset = Issue.objects.sent().order_by("-finished_at", "-id")
    paginate_by = 20
    context_object_name = "issues"
    template_name = "newsletter/issue_archive.html"


class IssueDetailView(PublicPageMixin, DetailView):
    """A sent issue as a web page: its introduction, its articles still published and products still active."""

    queryset = Issue.objects.sent()
    context_object_name = "issue"
    template_name = "newsletter/issue_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            articles=self.object.shown_articles(), products=self.object.shown_products(), **kwargs
        )
