"""Outgoing calls to Stripe: Checkout Sessions and refund requests.

In test payment mode nothing leaves the machine: the same events Stripe would send are built, signed
and handed to the webhook's own code (`testmode`).
"""

from __future__ import annotations

import logging

import stripe

from orders import services
from orders.models import Order

from . import selectors
from . import services as payment_services
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


def request_refund(*, order: Order, amount: int, actor=None, payment_intent_id: str = "") -> str:
    """Asks Stripe for one refund (of the order's payment, or of an extra one) and returns its id.

    The row is written first with its own UUID, which is the request's idempotency key: two equal
    partial refunds are two refunds, a retried request is one. Stripe's Refund object (and later its
    refund.* events) set the row's status; only succeeded refunds count as refunded.
    """
    payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
    left = selectors.refundable_amount(order=order, payment_intent_id=payment_intent_id)
    if not payment_intent_id or amount <= 0 or amount > left:
        raise ValueError("The refund must be more than 0 and at most what is left to refund.")
    row = payment_services.refund_request_create(
        order=order, amount=amount, payment_intent_id=payment_intent_id, actor=actor
    )
    metadata = {"order_number": order.number, "request_key": str(row.request_key)}
    if test_mode():
        from .testmode import deliver_test_event  # testmode -> webhook -> services

        refund = {
            "id": "re_test_" + row.request_key.hex[:24],
            "object": "refund",
            "amount": amount,
            "currency": order.currency,
            "metadata": metadata,
            "payment_intent": payment_intent_id,
            "status": "pending",
        }
        deliver_test_event("refund.created", refund)
        deliver_test_event("refund.updated", {**refund, "status": "succeeded"})
        return refund["id"]
    try:
        refund = client().v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata},
            options={"idempotency_key": f"fp-refund-{row.request_key}"},
        )
    except stripe.InvalidRequestError as error:  # refused: nothing will come of this request
        payment_services.refund_request_refused(row=row, reason=error.code or "refused")
        raise PaymentsUnavailable(str(error)) from error
    except stripe.StripeError as error:  # may have reached Stripe: its refund.* event will say
        raise PaymentsUnavailable(str(error)) from error
    payment_services.refund_apply(order=order, refund=refund.to_dict())
    return refund.id
