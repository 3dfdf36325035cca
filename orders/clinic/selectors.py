"""Reads for the clinic's orders: paid orders without an assessment that still need a clinician."""

from __future__ import annotations

from django.db.models import Prefetch

from orders.models import Order, OrderStatusChange
from orders.services import order_clinical_refusal
from orders.states import HAPPY_PATH, PAID_STATUSES, Status

# Paid and not yet approved: the statuses on the happy path before "clinically approved".
CLINIC_WAITING_STATUSES = (
    frozenset(HAPPY_PATH[: HAPPY_PATH.index(Status.CLINICALLY_APPROVED)]) & PAID_STATUSES
)


def clinic_orders_waiting() -> list[Order]:
    """Paid orders without an assessment whose way to the lab still needs a clinician (the one
    rule, `services.order_clinical_refusal`), newest payment first. No payment details."""
    candidates = (
        Order.objects.filter(assessment__isnull=True, status__in=CLINIC_WAITING_STATUSES)
        .select_related("approved_for_lab_by", "red_flags_confirmed_by")
        .prefetch_related("lines")
        .order_by("-paid_at", "-pk")
    )
    return [order for order in candidates if order_clinical_refusal(order=order)]


def clinic_order(pk: int) -> Order | None:
    """An order without an assessment, for the clinic's approval page."""
    return (
        Order.objects.filter(pk=pk, assessment__isnull=True)
        .select_related("approved_for_lab_by", "red_flags_confirmed_by")
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
