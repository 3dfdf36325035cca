"""The Stripe webhook: verify, store every delivery, process each event once.

`receive_delivery` is the function behind `/webhooks/stripe/`; the test payment page calls it too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import services
from orders.models import Order

from . import services as payment_services
from .models import StripeEvent

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
        )
        created = payment_services.payment_record_refunds(
            order=order, refunds=refunds, currency=obj.get("currency", ""), event_id=stored.event_id
        )
        changed = changed or bool(created)
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
            payment_services.payment_record_charge(
                order=order,
                stripe_object_id=obj.get("payment_intent") or obj.get("id") or "",
                amount=int(obj.get("amount_total") or 0),
                currency=obj.get("currency") or "",
                event_id=stored.event_id or "",
            )
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
