from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("", views.ShopView.as_view(), name="index"),
    path("women/", views.ShopView.as_view(gender="women"), name="women"),
    path("men/", views.ShopView.as_view(gender="men"), name="men"),
    path("<slug:slug>/", views.ProductDetailView.as_view(), name="detail"),
    path("<slug:slug>/review/", views.rate, name="rate"),
]
