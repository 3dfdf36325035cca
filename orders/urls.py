from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("orthotics/", views.catalogue, name="catalogue"),
    path("orthotics/<slug:slug>/", views.product_detail, name="product_detail"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_lookup, name="order_lookup"),
    path("orders/<str:token>/", views.order_detail, name="order_detail"),
    path("orders/<str:token>/scans/", views.order_scans, name="scans"),
    path("orders/<str:token>/scans/status/", views.scan_status, name="scan_status"),
    path(
        "orders/<str:token>/scans/<int:pk>/preview.png",
        views.scan_preview,
        name="scan_preview",
    ),
    path("scans/<int:pk>/preview.png", views.staff_scan_preview, name="staff_scan_preview"),
    path("webhooks/lab/", views.lab_webhook, name="lab_webhook"),
    path("accounts/signup/", views.signup, name="signup"),
    path("account/", views.account, name="account"),
]
