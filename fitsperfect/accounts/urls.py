"""The accounts app's URLs. Paths and names are the ones the site always had:

- `urlpatterns` (mounted at the root by fitsperfect.urls): Django's account views (sign-in,
  sign-out, password change and reset) with this app's forms and templates, the same paths and
  names as `django.contrib.auth.urls`; the data download and the erasure request.
- `ORDERS_NAMESPACE_URLS`: sign-up and the account page, whose names have always been
  `orders:signup` and `orders:account`; fitsperfect/urls.py mounts them in the orders namespace
  beside orders/urls.py's patterns (a namespace cannot span two includes), so every `{% url %}`
  keeps working and the orders URL conf imports nothing of this app.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import forms, views

urlpatterns = [
    path("account/your-data.json", views.account_data, name="account_data"),
    path("account/delete-my-data/", views.account_erasure, name="account_erasure"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.SignInForm, template_name="accounts/login.html"
        ),
        name="login",
    ),
    path(
        "accounts/logout/",
        auth_views.LogoutView.as_view(template_name="accounts/logged_out.html"),
        name="logout",
    ),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(
            form_class=forms.PasswordChangeForm, template_name="accounts/password_change_form.html"
        ),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=forms.PasswordResetForm,
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/password_reset_email.html",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=forms.SetPasswordForm, template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

ORDERS_NAMESPACE_URLS = [
    path("accounts/signup/", views.signup, name="signup"),
    path("account/", views.account, name="account"),
]
