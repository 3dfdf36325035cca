"""Test payment mode: events built and signed like Stripe's, delivered to the webhook's own code.

Only without Stripe keys, never in production (`stripe_api.test_mode`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

import stripe
from django.conf import settings

from orders.models import Order

from .stripe_api import test_mode
from .webhook import DeliveryResult, receive_delivery


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value Stripe would send for this payload."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def build_event(event_type: str, obj: dict) -> dict:
    return {
        "id": "evt_test_" + secrets.token_hex(12),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def test_session_object(order: Order, *, payment_status: str = "paid") -> dict:
    return {
        "id": order.stripe_checkout_session_id
        or f"cs_test_local_{order.number}_{order.checkout_attempt}",
        "object": "checkout.session",
        "amount_subtotal": order.subtotal,
        "amount_total": order.total,
        "client_reference_id": order.number,
        "currency": order.currency,
        "customer_email": order.email,
        "livemode": False,
        "metadata": {"order_number": order.number, "order_id": str(order.pk)},
        "mode": "payment",
        "payment_intent": "pi_test_"
        + hashlib.sha256(f"{order.number}-{order.checkout_attempt}".encode()).hexdigest()[:24],
        "payment_status": payment_status,
        "status": "complete" if payment_status == "paid" else "open",
    }


def deliver_test_event(event_type: str, obj: dict) -> DeliveryResult:
    """Signs an event like Stripe does and delivers it to the webhook's own code path."""
    if not test_mode():
        raise PermissionError("Test payments are disabled.")
    body = json.dumps(build_event(event_type, obj))
    headers = {
        "Stripe-Signature": sign_payload(body, settings.STRIPE_WEBHOOK_SECRET),
        "Content-Type": "application/json",
        "User-Agent": "Fits Perfect test payment page",
    }
    return receive_delivery(body=body.encode(), headers=headers)
