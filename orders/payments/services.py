"""Writes of the payments app: payments, refunds, disputes and payment flags, as Stripe reports them.

Keyword-only and atomic. The order itself (paid, refunded, its flag text, its status) changes only
through `orders.services`; these functions record the money and call those. Refund and dispute
objects are applied by their latest state (idempotent, order-insensitive): the same object seen
twice, or events out of order, give the same rows.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect.queueing import enqueue_on_commit
from orders import services as order_services
from orders.models import Order

from .models import Dispute, Payment, PaymentFlag, StripeEvent

ALERT_TASK = "orders.payments.tasks.alert_staff_payment_flag"
logger = logging.getLogger(__name__)

REFUND_STATUSES = {choice.value for choice in Payment.Status}


def _serialise(order: Order) -> None:
    """Takes the order's row lock: two events about one order's money apply one after the other."""
    Order.objects.select_for_update().filter(pk=order.pk).values_list("pk", flat=True).first()


# --- Flags ---------------------------------------------------------------------------------------


def _sync_flag_text(order: Order) -> None:
    """The order's flag text is the list of its open flags (one writer: orders.services)."""
    messages = PaymentFlag.objects.filter(order=order, resolved_at__isnull=True).values_list(
        "message", flat=True
    )
    order_services.order_set_payment_flag(order=order, flag="\n".join(messages))


@transaction.atomic
def flag_raise(
    *, order: Order, kind: str, message: str, reference: str = "", alert: bool = True
) -> PaymentFlag:
    """Raises a flag once per cause (kind + reference) and tells staff by email."""
    flag = PaymentFlag.objects.filter(
        order=order, kind=kind, reference=reference, resolved_at__isnull=True
    ).first()
    if flag is None:
        flag = PaymentFlag.objects.create(
            order=order, kind=kind, reference=reference, message=message
        )
        if alert:
            enqueue_on_commit(ALERT_TASK, flag.pk)  # by name: tasks import this module
    elif flag.message != message:
        flag.message = message
        flag.save(update_fields=["message"])
    _sync_flag_text(order)
    return flag


@transaction.atomic
def flags_resolve(*, order: Order, kind: str, resolution: str, reference: str | None = None) -> int:
    """Clears the open flags of this kind (and cause) now that what raised them is resolved."""
    flags = PaymentFlag.objects.filter(order=order, kind=kind, resolved_at__isnull=True)
    if reference is not None:
        flags = flags.filter(reference=reference)
    count = flags.update(resolved_at=timezone.now(), resolution=resolution)
    if count:
        _sync_flag_text(order)
    return count


# --- Charges -------------------------------------------------------------------------------------


@transaction.atomic
def payment_record_charge(
    *,
    order: Order,
    stripe_object_id: str,
    amount: int,
    currency: str,
    event_id: str = "",
    is_extra: bool = False,
) -> tuple[Payment, bool]:
    """One row per Stripe payment (keyed by its PaymentIntent or session); returns (row, created)."""
    key = stripe_object_id or f"order-{order.pk}"
    return Payment.objects.get_or_create(
        stripe_object_id=key,
        defaults={
            "order": order,
            "kind": Payment.Kind.CHARGE,
            "amount": amount,
            "currency": currency.lower(),
            "stripe_event_id": event_id,
            "payment_intent_id": stripe_object_id if stripe_object_id.startswith("pi_") else "",
            "is_extra": is_extra,
        },
    )


@transaction.atomic
def payment_apply_checkout_paid(
    *, order: Order, event, session: dict, amount: int, currency: str
) -> str:
    """A checkout reported paid: pays the order, or records and flags a second payment or a
    mismatch. Returns the outcome for the stored event."""
    event_id = getattr(event, "event_id", "") or ""
    payment_intent = session.get("payment_intent") or ""
    session_id = session.get("id") or ""
    reference = payment_intent or session_id
    _serialise(order)
    order.refresh_from_db()
    if order.is_paid:
        if reference in {order.stripe_payment_intent_id, order.stripe_checkout_session_id}:
            return "already paid"
        if Payment.objects.filter(stripe_object_id=reference, order=order).exists():
            return "already recorded"
        payment_record_charge(
            order=order,
            stripe_object_id=reference,
            amount=amount,
            currency=currency,
            event_id=event_id,
            is_extra=True,
        )
        flag_raise(
            order=order,
            kind=PaymentFlag.Kind.PAID_TWICE,
            reference=reference,
            message=_(
                "Paid twice: a second payment %(reference)s of %(amount)s %(currency)s arrived for "
                "an order already paid. Refund the extra payment."
            )
            % {"reference": reference, "amount": amount, "currency": currency.upper()},
        )
        return "flagged: paid twice"
    if amount != order.total or currency.lower() != order.currency.lower():
        flag_raise(
            order=order,
            kind=PaymentFlag.Kind.MISMATCH,
            reference=reference,
            message=_(
                "Stripe reported %(amount)s %(currency)s but the order is for %(total)s "
                "%(order_currency)s (event %(event)s). Not marked paid: check in Stripe."
            )
            % {
                "amount": amount,
                "currency": currency.upper(),
                "total": order.total,
                "order_currency": order.currency.upper(),
                "event": event_id or "-",
            },
        )
        return "flagged: amount or currency mismatch"
    order_services.order_mark_paid(
        order=order,
        event=event,
        amount=amount,
        currency=currency,
        payment_intent_id=payment_intent,
        checkout_session_id=session_id,
    )
    payment_record_charge(
        order=order, stripe_object_id=reference, amount=amount, currency=currency, event_id=event_id
    )
    flags_resolve(
        order=order,
        kind=PaymentFlag.Kind.MISMATCH,
        resolution=_("A correct payment arrived (%(ref)s).") % {"ref": reference},
    )
    if order.status == Order.Status.CANCELLED:
        flag_raise(
            order=order,
            kind=PaymentFlag.Kind.PAID_AFTER_CANCEL,
            reference=reference,
            message=_("Paid after the order was cancelled: refund it."),
        )
        return "paid after cancellation: flagged for a refund"
    return "order paid"


# --- Refunds -------------------------------------------------------------------------------------


@transaction.atomic
def refund_request_create(
    *, order: Order, amount: int, payment_intent_id: str, actor=None
) -> Payment:
    """The row of one refund we are about to ask for, with its own idempotency key (a UUID): two
    equal partial refunds are two requests, while retrying one request replays it."""
    key = uuid.uuid4()
    return Payment.objects.create(
        order=order,
        kind=Payment.Kind.REFUND,
        stripe_object_id=f"request-{key}",
        amount=amount,
        currency=order.currency.lower(),
        status=Payment.Status.REQUESTED,
        payment_intent_id=payment_intent_id,
        request_key=key,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def refund_request_refused(*, row: Payment, reason: str) -> Payment:
    """Stripe refused the request outright: the row is canceled and no longer counts as pending."""
    row.status = Payment.Status.CANCELED
    row.failure_reason = reason[:100]
    row.save(update_fields=["status", "failure_reason", "updated_at"])
    return row


def _refund_row(refund: dict) -> Payment | None:
    refund_id = refund.get("id") or ""
    row = Payment.objects.select_for_update().filter(stripe_object_id=refund_id).first()
    if row is None:
        key = (refund.get("metadata") or {}).get("request_key") or ""
        try:
            key = uuid.UUID(key) if key else None
        except ValueError:
            key = None
        if key is not None:
            row = Payment.objects.select_for_update().filter(request_key=key).first()
    return row


def order_refunded_total(order: Order) -> int:
    """Money given back on the order's own payment: succeeded refunds and lost disputes (refunds
    of an extra payment are not part of the order's money)."""
    extra = Payment.objects.filter(order=order, is_extra=True).values_list(
        "payment_intent_id", flat=True
    )
    refunds = (
        Payment.objects.filter(
            order=order, kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED
        )
        .exclude(payment_intent_id__in=[pi for pi in extra if pi])
        .aggregate(total=Sum("amount"))["total"]
    )
    lost = Dispute.objects.filter(order=order, status=Dispute.LOST).aggregate(total=Sum("amount"))[
        "total"
    ]
    return (refunds or 0) + (lost or 0)


@transaction.atomic
def refund_apply(*, order: Order, refund: dict, event=None) -> str:
    """Records a Stripe Refund object by its latest status; returns what changed."""
    event_id = getattr(event, "event_id", "") or ""
    _serialise(order)
    status = refund.get("status") or Payment.Status.PENDING
    if status not in REFUND_STATUSES:
        status = Payment.Status.PENDING
    row = _refund_row(refund)
    created = row is None
    if created:
        row = Payment(
            order=order,
            kind=Payment.Kind.REFUND,
            stripe_object_id=refund["id"],
            amount=int(refund.get("amount") or 0),
            currency=(refund.get("currency") or order.currency).lower(),
            stripe_event_id=event_id,
            payment_intent_id=refund.get("payment_intent") or "",
        )
    old_status = "" if created else row.status
    row.stripe_object_id = refund["id"]
    row.status = status
    row.failure_reason = (refund.get("failure_reason") or "")[:100]
    if refund.get("payment_intent"):
        row.payment_intent_id = refund["payment_intent"]
    row.save()
    if status == Payment.Status.FAILED and old_status != status:
        flag_raise(
            order=order,
            kind=PaymentFlag.Kind.REFUND_FAILED,
            reference=row.stripe_object_id,
            message=_(
                "Refund %(id)s of %(amount)s %(currency)s failed (%(reason)s): the customer has "
                "not got the money back. Refund another way."
            )
            % {
                "id": row.stripe_object_id,
                "amount": row.amount,
                "currency": row.currency.upper(),
                "reason": row.failure_reason or "-",
            },
        )
    if status == Payment.Status.SUCCEEDED:
        _refund_succeeded(order=order, row=row, event=event)
    if created:
        return f"refund {row.stripe_object_id} recorded ({status})"
    if old_status != status:
        return f"refund {row.stripe_object_id}: {old_status} -> {status}"
    return f"refund {row.stripe_object_id} already {status}"


def _refund_succeeded(*, order: Order, row: Payment, event) -> None:
    extra = Payment.objects.filter(
        order=order, is_extra=True, payment_intent_id=row.payment_intent_id
    ).exclude(payment_intent_id="")
    if extra.exists():
        flags_resolve(
            order=order,
            kind=PaymentFlag.Kind.PAID_TWICE,
            reference=row.payment_intent_id,
            resolution=_("The extra payment was refunded (%(id)s).") % {"id": row.stripe_object_id},
        )
    flags_resolve(
        order=order,
        kind=PaymentFlag.Kind.REFUND_FAILED,
        resolution=_("A later refund succeeded (%(id)s).") % {"id": row.stripe_object_id},
    )
    _order_totals(order=order, event=event)


def _order_totals(*, order: Order, event) -> None:
    order_services.order_record_refund(
        order=order,
        event=event,
        amount_refunded_total=order_refunded_total(order),
        currency=order.currency,
    )
    order.refresh_from_db()
    if order.amount_paid and order.amount_refunded >= order.amount_paid:
        flags_resolve(
            order=order,
            kind=PaymentFlag.Kind.PAID_AFTER_CANCEL,
            resolution=_("Refunded in full."),
        )


# --- Disputes ------------------------------------------------------------------------------------


def _timestamp(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


@transaction.atomic
def dispute_apply(*, order: Order, dispute: dict, event=None) -> str:
    """Records a dispute by its latest state: flagged and staff alerted while open; a lost one
    counts like a refund; closing it clears the flag."""
    _serialise(order)
    status = str(dispute.get("status") or "")[:40]
    row, created = Dispute.objects.select_for_update().get_or_create(
        stripe_dispute_id=dispute["id"],
        defaults={
            "order": order,
            "amount": int(dispute.get("amount") or 0),
            "currency": (dispute.get("currency") or order.currency).lower(),
            "status": status,
        },
    )
    row.charge_id = str(dispute.get("charge") or "")[:255]
    row.payment_intent_id = str(dispute.get("payment_intent") or "")[:255]
    row.amount = int(dispute.get("amount") or row.amount)
    row.reason = str(dispute.get("reason") or "")[:60]
    row.status = status
    row.evidence_due_by = _timestamp((dispute.get("evidence_details") or {}).get("due_by"))
    if status in Dispute.CLOSED_STATUSES and row.closed_at is None:
        row.closed_at = timezone.now()
    row.save()
    if status in Dispute.CLOSED_STATUSES:
        flags_resolve(
            order=order,
            kind=PaymentFlag.Kind.DISPUTE,
            reference=row.stripe_dispute_id,
            resolution=_("Dispute closed: %(status)s.") % {"status": status},
        )
        if status == Dispute.LOST:
            _order_totals(order=order, event=event)
    else:
        due = row.evidence_due_by.strftime("%Y-%m-%d %H:%M UTC") if row.evidence_due_by else "-"
        flag_raise(
            order=order,
            kind=PaymentFlag.Kind.DISPUTE,
            reference=row.stripe_dispute_id,
            message=_(
                "Dispute %(id)s (%(reason)s) for %(amount)s %(currency)s: %(status)s. Evidence is "
                "due by %(due)s: respond in Stripe."
            )
            % {
                "id": row.stripe_dispute_id,
                "reason": row.reason or "-",
                "amount": row.amount,
                "currency": row.currency.upper(),
                "status": status,
                "due": due,
            },
        )
    return f"dispute {row.stripe_dispute_id} {'recorded' if created else 'updated'} ({status})"


def flag_alert_send(*, flag_id: int) -> bool:
    """Emails `PAYMENTS_ALERT_EMAILS` about an open flag: order number, what happened and the admin
    link; no customer details. False when there is nobody to tell or the flag was resolved."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse

    recipients = list(getattr(settings, "PAYMENTS_ALERT_EMAILS", []))
    flag = PaymentFlag.objects.select_related("order").filter(pk=flag_id).first()
    if not recipients or flag is None or flag.resolved_at is not None:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse(
        "admin:orders_order_change", args=[flag.order_id]
    )
    send_mail(
        subject=f"Payment problem ({flag.get_kind_display()}): order {flag.order.number}",
        message=f"{flag.message}\n\nOpen the order: {link}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return True


def stripe_events_scrub(*, order: Order) -> int:
    """A customer's right to erasure: the stored Stripe deliveries about the order keep their
    ids, types and outcomes, not their bodies or headers (names, emails and addresses)."""
    return StripeEvent.objects.filter(order=order).update(raw_body="", headers={})
