from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("shop/", views.ShopView.as_view(), name="index"),
    path("shop/women/", views.ShopView.as_view(gender="women"), name="women"),
    path("shop/men/", views.ShopView.as_view(gender="men"), name="men"),
    path("shop/<slug:slug>/", views.ProductDetailView.as_view(), name="detail"),
    path("shop/<slug:slug>/review/", views.rate, name="rate"),
    path("go/<slug:slug>/", views.go, name="go"),
]
