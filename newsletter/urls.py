from django.urls import path

from . import feeds, views, webhooks

app_name = "newsletter"
urlpatterns = [
    path("", views.signup, name="signup"),
    path("token/", views.token, name="token"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("read/<int:issue_id>/<slug:slug>/", views.read, name="read"),
    path("archive/", views.IssueArchiveView.as_view(), name="archive"),
    path("archive/feed/", feeds.IssueFeed(), name="archive-feed"),
    path("webhooks/<slug:esp>/tracking/", webhooks.tracking_webhook, name="tracking"),
    path("archive/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
]
