"""Stripe: Checkout Sessions, refunds, and the webhook (verify, store every delivery, process once).

The official SDK talks to `settings.STRIPE_API_BASE` when set (the tests' fake Stripe server). In
`PAYMENTS_TEST_MODE` (no keys, never in production) nothing leaves the machine: the test payment page
builds the same `checkout.session.completed` event Stripe would send, signs it with the webhook secret,
and hands it to `receive_delivery`, the function behind `/webhooks/stripe/`, so the same code runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import services
from .models import Order, StripeEvent

logger = logging.getLogger(__name__)

HANDLED_TYPES = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
}
MAX_INVALID_BODY = 64 * 1024
STORED_HEADERS = ("Stripe-Signature", "Content-Type", "User-Agent", "Content-Length")


class PaymentsUnavailable(Exception):
    """Stripe could not be reached or refused the request; nothing was charged."""


def test_mode() -> bool:
    """The local stand-in for Stripe: only without keys, and never in production."""
    return bool(settings.PAYMENTS_TEST_MODE) and not getattr(settings, "IS_PRODUCTION", False)


def client() -> stripe.StripeClient:
    kwargs = {}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2, **kwargs)


# --- Checkout ------------------------------------------------------------------------------------


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


# --- The webhook ---------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    status_code: int
    message: str
    event: StripeEvent | None = None


def receive_delivery(*, body: bytes, headers: dict[str, str]) -> DeliveryResult:
    """Verifies, stores and processes one webhook delivery. Duplicates and replays are no-ops.

    400 for a bad signature or stale timestamp (stored as invalid; nothing else changes); 500 when
    processing failed (stored with the error; Stripe retries, or staff run reprocess_stripe_events).
    """
    # PostgreSQL text cannot hold NUL bytes; nothing Stripe signs contains one.
    text = body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    kept = {name: headers.get(name, "") for name in STORED_HEADERS if headers.get(name)}
    signature = headers.get("Stripe-Signature", "")
    try:
        event = stripe.Webhook.construct_event(text, signature, settings.STRIPE_WEBHOOK_SECRET)
        if not isinstance(event["id"], str) or not isinstance(event["type"], str):
            raise ValueError("not a Stripe event object")
    # The SDK raises AttributeError/TypeError on signed JSON that is not an object (e.g. `[]`).
    except (
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        stripe.SignatureVerificationError,
    ) as error:
        claimed_type = ""
        with contextlib.suppress(ValueError, AttributeError):
            claimed_type = str(json.loads(text).get("type", ""))[:100]
        StripeEvent.objects.create(
            event_id=None,
            type=claimed_type,
            raw_body=text[:MAX_INVALID_BODY],  # anyone can post here: keep what we store small
            headers=kept,
            valid=False,
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        return DeliveryResult(400, "invalid signature or payload")
    stored = _store_valid(event_id=event["id"], event_type=event["type"], text=text, headers=kept)
    if stored.processed:
        return DeliveryResult(200, "already processed", stored)
    ok = process_event(stored)
    if not ok:
        return DeliveryResult(500, "processing failed", stored)
    return DeliveryResult(200, "processed", stored)


def _store_valid(*, event_id: str, event_type: str, text: str, headers: dict) -> StripeEvent:
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event_id, type=event_type, raw_body=text, headers=headers, valid=True
            )
    except IntegrityError:
        with transaction.atomic():
            stored = StripeEvent.objects.select_for_update().get(event_id=event_id)
            stored.deliveries += 1
            stored.save(update_fields=["deliveries"])
            return stored


def process_event(stored: StripeEvent) -> bool:
    """Processes a stored, verified event once (row-locked); records the outcome or the error."""
    try:
        with transaction.atomic():
            locked = StripeEvent.objects.select_for_update().get(pk=stored.pk)
            if locked.processed:
                return True
            payload = json.loads(locked.raw_body)
            outcome, order = _dispatch(locked, payload)
            locked.processed = True
            locked.processed_at = timezone.now()
            locked.error = ""
            locked.outcome = outcome[:300]
            locked.order = order
            locked.save()
            stored.__dict__.update({k: v for k, v in locked.__dict__.items() if k[0] != "_"})
            return True
    except Exception as error:  # stored for staff and for the reprocess command
        logger.exception("Stripe event %s failed", stored.event_id)
        StripeEvent.objects.filter(pk=stored.pk).update(
            error=f"{type(error).__name__}: {error}"[:2000]
        )
        stored.error = f"{type(error).__name__}: {error}"[:2000]
        return False


class EventError(Exception):
    """An event we cannot apply yet (e.g. its order is unknown): kept unprocessed for a retry."""


def _order_for_session(session: dict) -> Order:
    number = (session.get("metadata") or {}).get("order_number") or session.get(
        "client_reference_id"
    )
    order = Order.objects.filter(number=number).first() if number else None
    if order is None and session.get("id"):
        order = Order.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if order is None:
        raise EventError(f"No order for checkout session {session.get('id')!r}.")
    return order


def _dispatch(stored: StripeEvent, payload: dict) -> tuple[str, Order | None]:
    kind = payload.get("type", "")
    obj = (payload.get("data") or {}).get("object") or {}
    if kind not in HANDLED_TYPES:
        return "ignored: not a type we handle", None
    if kind == "charge.refunded":
        pi = obj.get("payment_intent") or ""
        order = Order.objects.filter(stripe_payment_intent_id=pi).first() if pi else None
        if order is None:
            raise EventError(f"No paid order for payment intent {pi!r} yet.")
        refunds = [
            (refund["id"], int(refund.get("amount", 0)))
            for refund in ((obj.get("refunds") or {}).get("data") or [])
            if refund.get("id")
        ]
        changed = services.order_record_refund(
            order=order,
            event=stored,
            amount_refunded_total=int(obj.get("amount_refunded", 0)),
            currency=obj.get("currency", ""),
            refunds=refunds,
        )
        return ("refund recorded" if changed else "refund already recorded"), order
    order = _order_for_session(obj)
    if kind in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
        if obj.get("payment_status") not in {"paid", "no_payment_required"}:
            return "waiting for a delayed payment method", order
        paid = services.order_mark_paid(
            order=order,
            event=stored,
            amount=int(obj.get("amount_total") or 0),
            currency=obj.get("currency") or "",
            payment_intent_id=obj.get("payment_intent") or "",
            checkout_session_id=obj.get("id") or "",
        )
        if paid:
            return "order paid", order
        order.refresh_from_db()
        if order.payment_flag and not order.is_paid:
            return "flagged: amount or currency mismatch", order
        return "already paid", order
    if kind == "checkout.session.async_payment_failed":
        changed = services.order_mark_payment_failed(
            order=order, event=stored, note="The delayed payment failed."
        )
        return ("payment failed" if changed else "ignored: order not awaiting payment"), order
    changed = services.order_mark_checkout_expired(
        order=order, session_id=obj.get("id") or "", event=stored
    )
    return ("checkout expired" if changed else "ignored: stale or already paid"), order


def reprocess(queryset) -> tuple[int, int]:
    """Runs stored, valid, unprocessed events again (oldest first); returns (ok, failed)."""
    ok = failed = 0
    for stored in queryset.filter(valid=True, processed=False).order_by("received_at", "pk"):
        if process_event(stored):
            ok += 1
        else:
            failed += 1
    return ok, failed


# --- Test payment mode ---------------------------------------------------------------------------


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
