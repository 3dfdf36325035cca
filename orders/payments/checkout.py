"""Outgoing calls to Stripe: Checkout Sessions and refund requests.

In test payment mode nothing leaves the machine: the same events Stripe would send are built, signed
and handed to the webhook's own code (`testmode`).
"""

from __future__ import annotations

import hashlib
import logging

import stripe

from orders import services
from orders.models import Order

from .stripe_api import PaymentsUnavailable, client, test_mode

logger = logging.getLogger(__name__)

__all__ = ["PaymentsUnavailable", "checkout_idempotency_key", "request_refund", "start_checkout"]


def checkout_idempotency_key(order: Order) -> str:
    """The same order and attempt always give the same key, so a double click reuses one session."""
    return f"fp-checkout-{order.number}-{order.checkout_attempt}"


def start_checkout(*, order: Order, success_url: str, cancel_url: str, test_page_url: str) -> str:
    """Creates (or, for the same attempt, finds again) the hosted payment page; returns its URL."""
    if test_mode():
        session_id = order.stripe_checkout_session_id or (
            f"cs_test_local_{order.number}_{order.checkout_attempt}"
        )
        if session_id != order.stripe_checkout_session_id:
            services.order_set_checkout_session(order=order, session_id=session_id)
        return test_page_url
    lines = [
        {
            "price_data": {
                "currency": order.currency,
                "unit_amount": line.unit_price,
                "product_data": {"name": line.description},
            },
            "quantity": line.quantity,
        }
        for line in order.lines.all()
    ]
    metadata = {"order_number": order.number, "order_id": str(order.pk)}
    params = {
        "mode": "payment",
        "line_items": lines,
        "customer_email": order.email,
        "client_reference_id": order.number,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": checkout_idempotency_key(order)}
        )
    except stripe.StripeError as error:
        logger.warning("Stripe checkout failed for %s: %s", order.number, error)
        raise PaymentsUnavailable(str(error)) from error
    if session.id != order.stripe_checkout_session_id:
        services.order_set_checkout_session(order=order, session_id=session.id)
    return session.url


def request_refund(*, order: Order, amount: int, actor=None) -> str:
    """Asks Stripe for a refund; the order records it when `charge.refunded` arrives."""
    if amount <= 0 or amount > order.refundable_amount:
        raise ValueError("The refund must be more than 0 and at most what is left to refund.")
    key = f"fp-refund-{order.number}-{order.amount_refunded}-{amount}"
    if test_mode():
        refund_id = "re_test_" + hashlib.sha256(key.encode()).hexdigest()[:20]
        total = order.amount_refunded + amount
        charge = {
            "id": "ch_test_" + order.number,
            "object": "charge",
            "amount": order.amount_paid,
            "amount_refunded": total,
            "currency": order.currency,
            "payment_intent": order.stripe_payment_intent_id,
            "refunded": total >= order.amount_paid,
            "refunds": {
                "object": "list",
                "data": [{"id": refund_id, "object": "refund", "amount": amount}],
            },
        }
        from .testmode import deliver_test_event  # testmode -> webhook -> services

        deliver_test_event("charge.refunded", charge)
        return refund_id
    try:
        refund = client().v1.refunds.create(
            params={
                "payment_intent": order.stripe_payment_intent_id,
                "amount": amount,
                "metadata": {"order_number": order.number},
            },
            options={"idempotency_key": key},
        )
    except stripe.StripeError as error:
        raise PaymentsUnavailable(str(error)) from error
    return refund.id
