"""The clinic's orders: a paid order waits here for a clinician's approval and prescription.

Here, not in `assessments`, because orders may import assessments and never the other way round.
Access is the clinic's own rule (`assessments.clinic_views.clinician_required`); the approval is
`services.order_approve_with_prescription` (which refuses anyone outside the Clinicians group, a
superuser too). Clinicians see the health answers, scans and contact details, never payment details.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from assessments.clinic_views import clinician_required
from assessments.services import AssessmentClosedForOrders
from orders import services
from orders.checkout import health_screen
from orders.scans import selectors as scan_selectors
from orders.states import IllegalTransition

from . import prescribing, selectors
from .forms import ClinicApprovalForm, PrescriptionForm
from .services import (
    PRESCRIPTION_FIELDS,
    PrescriptionRefused,
    lab_has_it,
    order_approve_with_prescription,
    prescription_record,
)

REFUSALS = (
    PrescriptionRefused,
    services.ClinicalApprovalRefused,
    IllegalTransition,
    AssessmentClosedForOrders,
)


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


def _suggestion(order) -> prescribing.Suggestion:
    line = next(iter(order.lines.all()), None)
    assessment = order.assessment
    return prescribing.suggest(
        result=assessment.result if assessment is not None else None,
        answers=assessment.answers if assessment is not None else None,
        product_slug=line.product.slug if line is not None else "",
    )


def _add_error(form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))


@_clinician
def clinic_order(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.clinic_order(pk)
    if order is None:
        raise Http404
    screen = health_screen.order_screen(order) if order.assessment_id is None else None
    needs_check = (
        order.assessment_id is None and screen is None and order.red_flags_confirmed_at is None
    )
    refusal = services.order_clinical_refusal(order=order)
    current = selectors.current_prescription(order)
    prescribable = order.status in selectors.PRESCRIBABLE_STATUSES and not lab_has_it(order)
    suggestion = _suggestion(order)
    initial = (
        {name: getattr(current, name) for name in PRESCRIPTION_FIELDS}
        if current is not None
        else suggestion.values
    )
    data = request.POST if request.method == "POST" else None
    approval_form = ClinicApprovalForm(data, needs_red_flags_check=needs_check) if refusal else None
    form = PrescriptionForm(data, initial=initial, prefix="rx")
    if data is not None and prescribable:
        valid = form.is_valid() and (approval_form is None or approval_form.is_valid())
        if valid:
            values = {name: form.cleaned_data[name] for name in PRESCRIPTION_FIELDS}
            try:
                if approval_form is not None:
                    order_approve_with_prescription(
                        order=order,
                        actor=request.user,
                        values=values,
                        suggested=suggestion.values,
                        note=approval_form.cleaned_data["notes"],
                        red_flags_checked=bool(approval_form.cleaned_data.get("red_flags_checked")),
                    )
                    done = _(
                        "Order %(number)s is approved for the lab. It carries your prescription."
                    )
                    target = redirect("orders:clinic_orders")
                else:
                    prescription_record(
                        order=order, actor=request.user, values=values, suggested=suggestion.values
                    )
                    done = _("The prescription for order %(number)s is recorded.")
                    target = redirect("orders:clinic_order", pk=order.pk)
            except (*REFUSALS, ValidationError) as refused:
                _add_error(approval_form or form, refused)
            else:
                messages.success(request, done % {"number": order.number})
                return target
    forms_with_errors = [f for f in (approval_form, form) if f is not None and f.errors]
    return _private(
        render(
            request,
            "orders/clinic/order.html",
            {
                "order": order,
                "assessment": order.assessment,
                "screen": screen,
                "refusal": refusal,
                "approval_form": approval_form,
                "form": form,
                "prescribable": prescribable,
                "current": current,
                "history": selectors.prescriptions(order),
                "reasons": suggestion.reasons,
                "has_errors": bool(forms_with_errors),
                "scans": scan_selectors.clinic_order_scans(order),
                "timeline": order.status_changes.all(),
                "now": timezone.now(),
            },
        )
    )
