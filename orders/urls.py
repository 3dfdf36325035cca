from django.urls import include, path

from . import views
from .catalogue import views as catalogue_views
from .checkout import views as checkout_views
from .clinic import views as clinic_views
from .lab import views as lab_views
from .reminders import views as reminder_views
from .scans import views as scan_views

# One URL namespace for the customer's order pages: the domain apps' views are mounted here so
# every public name stays `orders:<name>` (fitsperfect/urls.py adds the accounts app's sign-up and
# account page, `orders:signup` and `orders:account`, to the same namespace).
app_name = "orders"

urlpatterns = [
    path("orthotics/", catalogue_views.catalogue, name="catalogue"),
    path("orthotics/<slug:slug>/", catalogue_views.product_detail, name="product_detail"),
    path("checkout/", checkout_views.checkout, name="checkout"),
    path("checkout/health-check/", checkout_views.health_check, name="health_check"),
    path("checkout/health-check/referral/", checkout_views.health_referral, name="health_referral"),
    path("orders/", views.order_lookup, name="order_lookup"),
    path("orders/<str:token>/", views.order_detail, name="order_detail"),
    path("orders/<str:token>/scans/", scan_views.order_scans, name="scans"),
    path("orders/<str:token>/scans/status/", scan_views.scan_status, name="scan_status"),
    path(
        "orders/<str:token>/scans/<int:pk>/preview.png",
        scan_views.scan_preview,
        name="scan_preview",
    ),
    path("scans/<int:pk>/preview.png", scan_views.staff_scan_preview, name="staff_scan_preview"),
    path("", include("orders.scans.review.urls")),
    path("webhooks/lab/", lab_views.lab_webhook, name="lab_webhook"),
    path(
        "reminders/unsubscribe/<str:token>/",
        reminder_views.unsubscribe,
        name="reminders_unsubscribe",
    ),
    path("clinic/orders/", clinic_views.clinic_orders, name="clinic_orders"),
    path("clinic/orders/<int:pk>/", clinic_views.clinic_order, name="clinic_order"),
]
