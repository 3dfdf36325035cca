"""Top-level URLs: each app owns its own URL module."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import accounts, views

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
    path("account/your-data.json", views.account_data, name="account_data"),
    path("account/delete-my-data/", views.account_erasure, name="account_erasure"),
    path("admin/", admin.site.urls),
    # Django's account views with the site's forms (fitsperfect.accounts); the rest as Django has them.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=accounts.SignInForm),
        name="login",
    ),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=accounts.PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=accounts.PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=accounts.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("content.urls")),
    path("", include("assessments.urls")),
    path("", include("orders.urls")),
    path("", include("orders.payments.urls")),
]
