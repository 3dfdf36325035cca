"""The Stripe webhook: verify, store every delivery, process each event once.

`receive_delivery` is the function behind `/webhooks/stripe/`; the test payment page calls it too.
Order of work on a body anyone can send: the signature over the raw bytes first, then JSON parsing
within a size and depth limit (`fitsperfect.safe_json`), and every delivery is stored (bytes
PostgreSQL refuses are stored escaped). Answers: 400 for an invalid delivery; 2xx for every valid
event, including those we did not start (stored "ignored" with the reason) and those that may match
later (stored "deferred": a refund before its payment, processed again when the payment lands);
5xx only for our own faults (Stripe retries; staff can run `reprocess_stripe_events`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fitsperfect import safe_json
from orders import services
from orders.models import Order

from . import services as payment_services
from .models import Payment, StripeEvent
from .stripe_api import client, test_mode

logger = logging.getLogger(__name__)

SESSION_PAID = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
DISPUTE_EVENTS = {"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"}
HANDLED_TYPES = (
    SESSION_PAID
    | REFUND_EVENTS
    | DISPUTE_EVENTS
    | {
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "charge.refunded",
    }
)
MAX_INVALID_BODY = 64 * 1024
STORED_HEADERS = ("Stripe-Signature", "Content-Type", "User-Agent", "Content-Length")


@dataclass
class DeliveryResult:
    status_code: int
    message: str
    event: StripeEvent | None = None


class Ignored(Exception):  # noqa: N818 - an outcome, not a failure
    """A valid event we did not start or cannot use: answered 2xx, stored with the reason."""

    def __init__(self, reason: str, order: Order | None = None):
        super().__init__(reason)
        self.order = order


class Deferred(Exception):  # noqa: N818 - an outcome, not a failure
    """A valid event that may match a payment not seen yet: stored and run again when it lands."""

    def __init__(self, reason: str, waiting_for: str):
        super().__init__(reason)
        self.waiting_for = waiting_for


def receive_delivery(*, body: bytes, headers: dict[str, str]) -> DeliveryResult:
    """Verifies, stores and processes one webhook delivery. Duplicates and replays are no-ops."""
    kept = {
        name: safe_json.storable_text(str(headers.get(name, "")))[:500]
        for name in STORED_HEADERS
        if headers.get(name)
    }
    signature = str(headers.get("Stripe-Signature", ""))
    try:
        stripe.WebhookSignature.verify_header(
            body.decode("utf-8"),
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
        payload = safe_json.parse_object(body, max_bytes=settings.WEBHOOK_MAX_BODY_BYTES)
        event_id, event_type = payload.get("id"), payload.get("type")
        if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
            raise ValueError("not a Stripe event object")
    except (ValueError, stripe.SignatureVerificationError) as error:
        return _store_invalid(body=body, headers=kept, error=error)
    api_version = payload.get("api_version")
    api_version = api_version[:40] if isinstance(api_version, str) else ""
    if api_version != settings.STRIPE_API_VERSION:
        logger.warning(
            "Stripe event %s has API version %r; this site pins %r: set the webhook endpoint's "
            "version (README, Payments)",
            event_id,
            api_version,
            settings.STRIPE_API_VERSION,
        )
    stored = _store_valid(
        event_id=event_id[:255],
        event_type=event_type[:100],
        text=safe_json.storable_text(body),
        headers=kept,
        api_version=api_version,
    )
    if stored.processed:
        return DeliveryResult(200, "already processed", stored)
    ok = process_event(stored)
    if not ok:
        return DeliveryResult(500, "processing failed", stored)
    applied = stored.result == StripeEvent.Result.APPLIED
    return DeliveryResult(200, "processed" if applied else stored.result, stored)


def _store_invalid(*, body: bytes, headers: dict, error: Exception) -> DeliveryResult:
    """Anyone can post here: keep a bounded, escaped copy as evidence; change nothing else."""
    claimed_type = ""
    try:
        claimed = safe_json.parse_object(body[:MAX_INVALID_BODY])
        claimed_type = str(claimed.get("type", ""))[:100]
    except safe_json.UnsafeJSON:
        pass
    StripeEvent.objects.create(
        event_id=None,
        type=claimed_type,
        raw_body=safe_json.storable_text(body[:MAX_INVALID_BODY]),
        headers=headers,
        valid=False,
        error=safe_json.storable_text(f"{type(error).__name__}: {error}")[:2000],
    )
    return DeliveryResult(400, "invalid signature or payload")


def _store_valid(
    *, event_id: str, event_type: str, text: str, headers: dict, api_version: str
) -> StripeEvent:
    try:
        with transaction.atomic():
            return StripeEvent.objects.create(
                event_id=event_id,
                type=event_type,
                raw_body=text,
                headers=headers,
                valid=True,
                api_version=api_version,
            )
    except IntegrityError:
        with transaction.atomic():
            stored = StripeEvent.objects.select_for_update().get(event_id=event_id)
            stored.deliveries += 1
            stored.save(update_fields=["deliveries"])
            return stored


def process_event(stored: StripeEvent) -> bool:
    """Processes a stored, verified event once (row-locked); records the outcome or the error.

    True when the event is settled (applied, ignored or deferred); False on our own fault.
    """
    unlocked: list[str] = []
    try:
        with transaction.atomic():
            locked = StripeEvent.objects.select_for_update().get(pk=stored.pk)
            if locked.processed:
                return True
            payload = safe_json.parse_object(
                locked.raw_body,
                max_bytes=max(settings.WEBHOOK_MAX_BODY_BYTES, len(locked.raw_body)),
            )
            try:
                outcome, order, unlocked = _dispatch(locked, payload)
                result, processed, waiting_for = StripeEvent.Result.APPLIED, True, ""
            except Ignored as reason:
                outcome, order, result, processed, waiting_for = (
                    f"ignored: {reason}",
                    reason.order,
                    StripeEvent.Result.IGNORED,
                    True,
                    "",
                )
            except Deferred as deferred:
                outcome, order, result, processed = (
                    f"deferred: {deferred}",
                    None,
                    StripeEvent.Result.DEFERRED,
                    False,
                )
                waiting_for = deferred.waiting_for
            locked.processed = processed
            locked.processed_at = timezone.now() if processed else None
            locked.result = result
            locked.waiting_for = waiting_for[:255]
            locked.error = ""
            locked.outcome = safe_json.storable_text(outcome)[:300]
            locked.order = order
            locked.save()
            stored.__dict__.update({k: v for k, v in locked.__dict__.items() if k[0] != "_"})
    except Exception as error:  # our fault: stored for staff and for the reprocess command
        logger.exception("Stripe event %s failed", stored.event_id)
        message = safe_json.storable_text(f"{type(error).__name__}: {error}")[:2000]
        StripeEvent.objects.filter(pk=stored.pk).update(error=message)
        stored.error = message
        return False
    for key in unlocked:
        process_deferred(waiting_for=key)
    return True


def process_deferred(*, waiting_for: str) -> tuple[int, int]:
    """Runs the events that were waiting for this PaymentIntent (now that its payment landed)."""
    if not waiting_for:
        return 0, 0
    return reprocess(
        StripeEvent.objects.filter(result=StripeEvent.Result.DEFERRED, waiting_for=waiting_for)
    )


def reprocess(queryset) -> tuple[int, int]:
    """Runs stored, valid, unprocessed events again (oldest first); returns (ok, failed)."""
    ok = failed = 0
    for stored in queryset.filter(valid=True, processed=False).order_by("received_at", "pk"):
        if process_event(stored):
            ok += 1
        else:
            failed += 1
    return ok, failed


# --- Dispatch ------------------------------------------------------------------------------------


def _object(payload: dict) -> dict:
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not obj:
        raise Ignored("the event has no data.object")
    return obj


def _text(obj: dict, name: str) -> str:
    value = obj.get(name)
    return value if isinstance(value, str) else ""


def _amount(obj: dict, name: str) -> int:
    value = obj.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _dispatch(stored: StripeEvent, payload: dict) -> tuple[str, Order | None, list[str]]:
    """(outcome, order, PaymentIntents that just got paid) or raises Ignored/Deferred."""
    kind = payload.get("type", "")
    if kind not in HANDLED_TYPES:
        raise Ignored("not a type we handle")
    obj = _object(payload)
    if kind.startswith("checkout.session."):
        return _session_event(stored, kind, obj)
    if kind == "charge.refunded":
        return _charge_refunded(stored, obj)
    if kind in REFUND_EVENTS:
        order = _order_for_payment_intent(_payment_intent_of(obj), what="refund")
        if not _text(obj, "id"):
            raise Ignored("the refund has no id")
        return payment_services.refund_apply(order=order, refund=obj, event=stored), order, []
    order = _order_for_payment_intent(_payment_intent_of(obj), what="dispute")
    if not _text(obj, "id"):
        raise Ignored("the dispute has no id")
    return payment_services.dispute_apply(order=order, dispute=obj, event=stored), order, []


def _payment_intent_of(obj: dict) -> str:
    """A refund's or dispute's PaymentIntent; when only its charge is named (older API versions,
    fixtures), the charge is read from Stripe to find it. Unknown to our Stripe account: ignored."""
    payment_intent = _text(obj, "payment_intent")
    charge_id = _text(obj, "charge")
    if payment_intent or not charge_id or test_mode():
        return payment_intent
    try:
        charge = client().v1.charges.retrieve(charge_id)
    except stripe.InvalidRequestError as error:
        raise Ignored(f"charge {charge_id[:60]} is not known to our Stripe account") from error
    return charge.to_dict().get("payment_intent") or ""


def _order_for_payment_intent(payment_intent: str, *, what: str) -> Order:
    """The order a PaymentIntent paid (its own, or an extra payment recorded on it)."""
    if not payment_intent:
        raise Ignored(f"the {what} names no PaymentIntent (not from our checkout)")
    order = Order.objects.filter(stripe_payment_intent_id=payment_intent).first()
    if order is None:
        row = Payment.objects.filter(
            payment_intent_id=payment_intent, kind=Payment.Kind.CHARGE
        ).first()
        order = row.order if row is not None else None
    if order is None:
        raise Deferred(f"no paid order for PaymentIntent {payment_intent} yet", payment_intent)
    return order


def _order_for_session(session: dict) -> Order:
    metadata = session.get("metadata") if isinstance(session.get("metadata"), dict) else {}
    number = _text(metadata, "order_number") or _text(session, "client_reference_id")
    session_id = _text(session, "id")
    order = Order.objects.filter(number=number[:16]).first() if number else None
    if order is None and session_id:
        order = Order.objects.filter(stripe_checkout_session_id=session_id).first()
    if order is None:
        if number:
            raise Ignored(f"no order {number[:40]!r} for checkout session {session_id!r}")
        raise Ignored(f"checkout session {session_id!r} is not one of ours (no order reference)")
    return order


def _session_event(stored, kind: str, obj: dict) -> tuple[str, Order | None, list[str]]:
    order = _order_for_session(obj)
    if kind in SESSION_PAID:
        if obj.get("payment_status") not in {"paid", "no_payment_required"}:
            changed = services.order_mark_payment_processing(order=order, event=stored)
            return (
                ("payment processing (delayed method)" if changed else "waiting: already moved on"),
                order,
                [],
            )
        outcome = payment_services.payment_apply_checkout_paid(
            order=order,
            event=stored,
            session=obj,
            amount=_amount(obj, "amount_total"),
            currency=_text(obj, "currency"),
        )
        return outcome, order, [_text(obj, "payment_intent")]
    if kind == "checkout.session.async_payment_failed":
        if not services.order_mark_payment_failed(
            order=order, event=stored, note="The delayed payment failed."
        ):
            raise Ignored("order not awaiting payment", order)
        return "payment failed", order, []
    if not services.order_mark_checkout_expired(
        order=order, session_id=_text(obj, "id"), event=stored
    ):
        raise Ignored("stale or already paid", order)
    return "checkout expired", order, []


def _charge_refunded(stored, charge: dict) -> tuple[str, Order | None, list[str]]:
    """Since API 2022-11-15 a charge does not carry its refunds: they are listed through the API
    (embedded ones, from older versions, are used as they are)."""
    payment_intent = _text(charge, "payment_intent")
    order = _order_for_payment_intent(payment_intent, what="charge")
    embedded = charge.get("refunds")
    refunds = embedded.get("data") if isinstance(embedded, dict) else None
    if not isinstance(refunds, list) or (embedded.get("has_more") and not test_mode()):
        refunds = _list_refunds(payment_intent)
    outcomes = [
        payment_services.refund_apply(order=order, refund=refund, event=stored)
        for refund in refunds
        if isinstance(refund, dict) and _text(refund, "id")
    ]
    return ("; ".join(outcomes) or "no refunds listed"), order, []


def _list_refunds(payment_intent: str) -> list[dict]:
    if test_mode():
        return []  # test mode sends refund.* events for every refund instead
    listed = client().v1.refunds.list(params={"payment_intent": payment_intent, "limit": 100})
    return [refund.to_dict() for refund in listed.auto_paging_iter()]
