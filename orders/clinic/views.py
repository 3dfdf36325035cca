"""The clinic's orders: paid orders without an assessment wait here for a clinician's approval.

Here, not in `assessments`, because orders may import assessments and never the other way round.
Access is the clinic's own rule (`assessments.clinic_views.clinician_required`); the approval itself is
`fulfilment.order_approve_for_lab`, which refuses anyone outside the Clinicians group (a superuser
too). Clinicians see the health answers, scans and contact details, never payment details.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from assessments.clinic_views import clinician_required
from orders import fulfilment, services
from orders.checkout import health_screen
from orders.scans import selectors as scan_selectors
from orders.states import IllegalTransition

from . import selectors
from .forms import ClinicApprovalForm


def _clinician(view):
    """The same access rule as the clinic's other pages."""
    for decorator in reversed(clinician_required):
        view = decorator(view)
    return never_cache(view)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


@_clinician
def clinic_orders(request: HttpRequest) -> HttpResponse:
    return _private(
        render(
            request,
            "orders/clinic/orders.html",
            {"orders": selectors.clinic_orders_waiting(), "now": timezone.now()},
        )
    )


@_clinician
def clinic_order(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.clinic_order(pk)
    if order is None:
        raise Http404
    screen = health_screen.order_screen(order)
    needs_check = screen is None and order.red_flags_confirmed_at is None
    if request.method == "POST":
        form = ClinicApprovalForm(request.POST, needs_red_flags_check=needs_check)
        if form.is_valid():
            try:
                fulfilment.order_approve_for_lab(
                    order=order,
                    actor=request.user,
                    note=form.cleaned_data["notes"],
                    red_flags_checked=bool(form.cleaned_data.get("red_flags_checked")),
                )
            except (services.ClinicalApprovalRefused, IllegalTransition) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Order %(number)s is approved for the lab.") % {"number": order.number},
                )
                return redirect("orders:clinic_orders")
    else:
        form = ClinicApprovalForm(needs_red_flags_check=needs_check)
    return _private(
        render(
            request,
            "orders/clinic/order.html",
            {
                "order": order,
                "screen": screen,
                "refusal": services.order_clinical_refusal(order=order),
                "form": form,
                "scans": scan_selectors.clinic_order_scans(order),
                "timeline": order.status_changes.all(),
                "now": timezone.now(),
            },
        )
    )
