"""The clinic's answers to the assessments' documented signals: a panel on the clinician's
assessment page for paid orders it backs, and the paid orders that head the clinician's day."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.signals import clinic_blocking_work, clinic_panels

from . import selectors


@receiver(clinic_panels, dispatch_uid="orders.clinic_order_panel")
def order_panel(sender, assessment, **kwargs) -> dict | None:
    """Paid orders this assessment backs, with a link to approve each with a prescription."""
    orders = selectors.clinic_orders_for_assessment(assessment.pk)
    if not orders:
        return None
    rows, links = [], []
    for order in orders:
        state = (
            _("prescription recorded")
            if order.has_prescription
            else _("waiting for your approval and prescription")
        )
        rows.append((_("Order %(number)s") % {"number": order.number}, state))
        links.append(
            (
                _("Approve order %(number)s with a prescription") % {"number": order.number},
                reverse("orders:clinic_order", args=[order.pk]),
            )
        )
    return {"title": _("Paid orders"), "rows": rows, "links": links}


REASONS = {
    "approval": gettext_lazy("Paid: needs your approval and prescription"),
    "prescription": gettext_lazy("Approved: needs a prescription before the lab"),
}


@receiver(clinic_blocking_work, dispatch_uid="orders.clinic_blocking_orders")
def blocking_orders(sender, **kwargs) -> list[dict]:
    """Paid orders that wait for a clinician, newest payment first, for the top of /clinic/."""
    return [
        {
            "label": _("Order %(number)s") % {"number": row.order.number},
            "url": reverse("orders:clinic_order", args=[row.order.pk]),
            "reason": str(REASONS[row.reason]),
            "waiting_since": row.waiting_since,
            "assessment_id": row.order.assessment_id,
        }
        for row in selectors.clinic_orders_blocked()
    ]
