from django.contrib.syndication.views import Feed
from django.urls import reverse

from core.links import absolute_url
from core.pagecache import mark_cacheable

from .models import Issue

FEED_SIZE = 20


class IssueFeed(Feed):
    """Sent newsletter issues, newest first. Links are on SITE_URL, as the cached article feeds' are."""

    title = "KURU Footwear newsletter"
    description = "Every issue of KURU’s foot-health newsletter."

    def __call__(self, request, *args, **kwargs):
        return mark_cacheable(super().__call__(request, *args, **kwargs))

    def link(self):
        return absolute_url(reverse("newsletter:archive"))

    def feed_url(self):
        return absolute_url(reverse("newsletter:archive-feed"))

    def items(self):
        return Issue.objects.sent().order_by("-finished_at", "-id")[:FEED_SIZE]

    def item_link(self, issue):
        return absolute_url(issue.get_absolute_url())

    def item_title(self, issue):
        return issue.subject

    def item_description(self, issue):
        return issue.preheader

    def item_pubdate(self, issue):
        return issue.finished_at
