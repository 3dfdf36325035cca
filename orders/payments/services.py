"""Writes of the payments app: Payment rows for money Stripe reports.

Keyword-only and atomic. The order itself (paid, refunded, flags) changes only through
`orders.services`; these functions record the money and call those.
"""

from __future__ import annotations

from django.db import transaction

from orders.models import Order

from .models import Payment


@transaction.atomic
def payment_record_charge(
    *, order: Order, stripe_object_id: str, amount: int, currency: str, event_id: str = ""
) -> tuple[Payment, bool]:
    """One row per Stripe charge (keyed by its PaymentIntent or session); returns (row, created)."""
    return Payment.objects.get_or_create(
        stripe_object_id=stripe_object_id or f"order-{order.pk}",
        defaults={
            "order": order,
            "kind": Payment.Kind.CHARGE,
            "amount": amount,
            "currency": currency.lower(),
            "stripe_event_id": event_id,
        },
    )


@transaction.atomic
def payment_record_refunds(
    *, order: Order, refunds: list[tuple[str, int]], currency: str, event_id: str = ""
) -> int:
    """One row per Stripe refund object; returns how many were new."""
    created_count = 0
    for refund_id, amount in refunds:
        _row, created = Payment.objects.get_or_create(
            stripe_object_id=refund_id,
            defaults={
                "order": order,
                "kind": Payment.Kind.REFUND,
                "amount": amount,
                "currency": currency.lower(),
                "stripe_event_id": event_id,
            },
        )
        created_count += int(created)
    return created_count
