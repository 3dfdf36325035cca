"""Top-level URLs: each app owns its own URL module."""

from django.contrib import admin
from django.urls import include, path

from orders import urls as orders_urls

from . import views
from .accounts.urls import ORDERS_NAMESPACE_URLS

handler404 = "fitsperfect.views.page_not_found"
handler500 = "fitsperfect.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.static_page, {"template": "privacy"}, name="privacy"),
    path("terms/", views.static_page, {"template": "terms"}, name="terms"),
    path("contact/", views.static_page, {"template": "contact"}, name="contact"),
    path("how-it-works/", views.static_page, {"template": "how_it_works"}, name="how-it-works"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/beat", views.healthz_beat, name="healthz_beat"),
    path("favicon.ico", views.favicon),
    path("benchmark/bare/", views.benchmark_bare, name="benchmark-bare"),
    path("admin/", admin.site.urls),
    path("", include("fitsperfect.accounts.urls")),
    path("", include("content.urls")),
    path("", include("assessments.urls")),
    # The orders namespace also holds the accounts app's sign-up and account page, whose names have
    # always been orders:signup and orders:account (one namespace cannot span two includes).
    path("", include((orders_urls.urlpatterns + ORDERS_NAMESPACE_URLS, orders_urls.app_name))),
    path("", include("orders.payments.urls")),
]
