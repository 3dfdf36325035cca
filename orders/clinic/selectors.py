"""Reads for the clinic: paid orders that wait for a clinician (approval or prescription), one
order's page, and the current prescription (the highest version), which the lab receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q

from orders.models import Order, OrderStatusChange
from orders.services import order_clinical_refusal
from orders.states import HAPPY_PATH, PAID_STATUSES, Status

from .models import Prescription

# Paid and not yet at the lab: the statuses on the happy path up to "clinically approved".
CLINIC_WAITING_STATUSES = (
    frozenset(HAPPY_PATH[: HAPPY_PATH.index(Status.CLINICALLY_APPROVED) + 1]) & PAID_STATUSES
)
# A prescription may still change while the order has not reached the lab.
PRESCRIBABLE_STATUSES = CLINIC_WAITING_STATUSES


def current_prescription(order: Order) -> Prescription | None:
    """The prescription the lab gets: the order's highest version, or None."""
    return (
        Prescription.objects.filter(order=order)
        .select_related("prescribed_by")
        .order_by("-version")
        .first()
    )


def prescriptions(order: Order) -> list[Prescription]:
    """Every version, newest first (the clinic page and the admin show the history)."""
    return list(
        Prescription.objects.filter(order=order)
        .select_related("prescribed_by")
        .order_by("-version")
    )


@dataclass(frozen=True)
class WaitingOrder:
    """A paid order the clinic blocks: why, and since when (payment time)."""

    order: Order
    reason: str  # "approval" | "prescription"
    waiting_since: datetime | None


def clinic_orders_blocked() -> list[WaitingOrder]:
    """Paid orders that cannot go on without a clinician, newest payment first: not approved
    (the one rule, `services.order_clinical_refusal`), or approved without a prescription.
    Contact and payment details are not read here."""
    has_prescription = Exists(Prescription.objects.filter(order=OuterRef("pk")))
    candidates = (
        Order.objects.filter(status__in=CLINIC_WAITING_STATUSES)
        .annotate(has_prescription=has_prescription)
        .filter(Q(approved_for_lab_at__isnull=True) | Q(has_prescription=False))
        .select_related("assessment", "approved_for_lab_by")
        .order_by("-paid_at", "-pk")
    )
    rows = []
    for order in candidates:
        if order_clinical_refusal(order=order):
            rows.append(WaitingOrder(order, "approval", order.paid_at))
        elif not order.has_prescription:
            rows.append(WaitingOrder(order, "prescription", order.paid_at))
    return rows


def clinic_orders_waiting() -> list[Order]:
    """Paid orders without an assessment that still need a clinician, newest payment first."""
    return [row.order for row in clinic_orders_blocked() if row.order.assessment_id is None]


def clinic_orders_for_assessment(assessment_id: int) -> list[Order]:
    """Paid orders an assessment backs that have not reached the lab (for its clinic page)."""
    return list(
        Order.objects.filter(assessment_id=assessment_id, status__in=CLINIC_WAITING_STATUSES)
        .annotate(has_prescription=Exists(Prescription.objects.filter(order=OuterRef("pk"))))
        .order_by("-paid_at", "-pk")
    )


def clinic_order(pk: int) -> Order | None:
    """An order for the clinic's approval page (with or without an assessment)."""
    return (
        Order.objects.filter(pk=pk)
        .select_related("approved_for_lab_by", "red_flags_confirmed_by", "assessment")
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.select_related("actor").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .first()
    )
