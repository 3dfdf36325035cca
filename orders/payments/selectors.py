"""Reads of the payments app: what is left to refund, extra payments, open flags, disputes."""

from __future__ import annotations

from django.db.models import Sum

from orders.models import Order

from .models import Dispute, Payment, PaymentFlag

# Refunds that are, or may still become, money given back.
OUTSTANDING_REFUND_STATUSES = frozenset(
    {
        Payment.Status.REQUESTED,
        Payment.Status.PENDING,
        Payment.Status.REQUIRES_ACTION,
        Payment.Status.SUCCEEDED,
    }
)


def refundable_amount(*, order: Order, payment_intent_id: str = "") -> int:
    """What may still be refunded on one payment (the order's own by default): paid minus refunds
    that succeeded or may still succeed, so two quick requests cannot refund more than was paid."""
    payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
    if payment_intent_id == order.stripe_payment_intent_id:
        paid = order.amount_paid
    else:
        paid = (
            Payment.objects.filter(
                order=order, kind=Payment.Kind.CHARGE, payment_intent_id=payment_intent_id
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
    refunds = Payment.objects.filter(
        order=order, kind=Payment.Kind.REFUND, status__in=OUTSTANDING_REFUND_STATUSES
    )
    if payment_intent_id:
        refunds = refunds.filter(payment_intent_id=payment_intent_id)
    given = refunds.aggregate(total=Sum("amount"))["total"] or 0
    lost = 0
    if payment_intent_id == order.stripe_payment_intent_id:
        lost = (
            Dispute.objects.filter(order=order, status=Dispute.LOST).aggregate(total=Sum("amount"))[
                "total"
            ]
            or 0
        )
    return max(paid - given - lost, 0)


def extra_payments_to_refund(*, order: Order) -> list[Payment]:
    """Second payments for an order already paid that still have money to give back."""
    rows = Payment.objects.filter(order=order, kind=Payment.Kind.CHARGE, is_extra=True)
    return [
        row
        for row in rows
        if row.payment_intent_id
        and refundable_amount(order=order, payment_intent_id=row.payment_intent_id) > 0
    ]


def open_flags(*, order: Order) -> list[PaymentFlag]:
    return list(PaymentFlag.objects.filter(order=order, resolved_at__isnull=True))
