"""Account pages: sign-up, the account page, the data download and the erasure request. Thin:
they call the accounts services and each app's selectors (sign-in and passwords are Django's
views with this app's forms and templates: urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.selectors import orders_for_user

from . import services
from .forms import SignupForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("orders:account")
    form = SignupForm(request.POST if request.method == "POST" else None)  # empty is a POST too
    if form.is_bound and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is ready."))
        return redirect("orders:account")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "orders": orders_for_user(request.user),
            # Every assessment of the account, drafts and referrals too (the page says which).
            "assessments": request.user.assessments.order_by("-created_at"),
        },
    )


@login_required
@require_GET
def account_data(request: HttpRequest) -> HttpResponse:
    """The right of access, self-served: what the account holds, as a JSON download."""
    response = HttpResponse(
        services.account_data_json(user=request.user), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="fits-perfect-my-data.json"'
    return response


@login_required
def account_erasure(request: HttpRequest) -> HttpResponse:
    """The right to erasure: asked here, carried out by a superuser after checking identity."""
    erasure_request = None
    if request.method == "POST":
        erasure_request = services.erasure_request_create(user=request.user)
    return render(request, "accounts/account_erasure.html", {"erasure_request": erasure_request})
