"""Every write to orders: creation, the state machine, payments, approvals, shipping, emails.

Views, admin actions, webhooks, Celery tasks and management commands call these; none of them
changes `Order.status` directly. Each service is keyword-only and atomic; transitions lock the order row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import assessment_approved_for_lab, assessment_may_back_order
from assessments.services import is_clinician
from fitsperfect.queueing import enqueue_on_commit

from .address import ADDRESS_PERSONAL_FIELDS
from .catalogue.models import Product
from .checkout.health_screen import HealthScreen, screen_refusal
from .consent import HEALTH_DATA_CONSENT_VERSION
from .models import Order, OrderEmail, OrderLine, OrderNote, OrderStatusChange, new_access_token
from .selectors import lab_dispatch_due
from .signals import order_ready_for_lab, order_status_changed
from .states import (
    PAYABLE_STATUSES,
    IllegalTransition,
    Status,
    can_transition,
)

if TYPE_CHECKING:
    from assessments.models import Assessment

logger = logging.getLogger(__name__)

__all__ = [
    "IllegalTransition",
    "LineChoice",
    "ClinicalApprovalRefused",
    "order_add_note",
    "order_add_staff_note",
    "order_clinical_refusal",
    "order_cancel",
    "order_create",
    "order_mark_paid",
    "order_mark_payment_failed",
    "order_mark_payment_processing",
    "order_mark_checkout_expired",
    "order_queue_email",
    "order_record_refund",
    "order_retry_checkout",
    "order_set_checkout_session",
    "order_set_payment_flag",
    "order_set_status",
]

# Which customer email each status sends, if any.
STATUS_EMAILS: dict[str, str] = {
    Status.PAID: OrderEmail.Kind.CONFIRMATION,
    Status.AWAITING_SCANS: OrderEmail.Kind.SCANS_NEEDED,
    Status.SENT_TO_LAB: OrderEmail.Kind.SENT_TO_LAB,
    Status.SHIPPED: OrderEmail.Kind.SHIPPED,
    Status.CANCELLED: OrderEmail.Kind.CANCELLED,
    Status.REFUNDED: OrderEmail.Kind.REFUNDED,
}


def _locked(order: Order) -> Order:
    """Re-reads the order under a row lock (inside the caller's transaction)."""
    return Order.objects.select_for_update().get(pk=order.pk)


def _sync(target: Order, source: Order) -> Order:
    """Copies the fresh state onto the caller's instance so it never acts on a stale status."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})
    return target


# --- The state machine --------------------------------------------------------------------------


@transaction.atomic
def order_set_status(
    *,
    order: Order,
    to_status: str,
    actor=None,
    note: str = "",
    status_email: bool = True,
    **fields,
) -> Order:
    """The one place an order's status changes: checks the table, locks the row, records the move.

    Extra keyword `fields` are saved on the order in the same write (e.g. carrier, tracking_number).
    ``status_email=False`` when the caller sends the customer a more precise email of its own (a
    rejected scan says why), so they do not get two.
    Raises `IllegalTransition` (and changes nothing) when the move is not allowed.
    """
    fresh = _locked(order)
    from_status = fresh.status
    if not can_transition(from_status, to_status):
        raise IllegalTransition(from_status, to_status)
    if to_status in LAB_BOUND_STATUSES:
        refusal = order_clinical_refusal(order=fresh)
        if refusal:
            raise ClinicalApprovalRefused(refusal)
    now = timezone.now()
    fresh.status = to_status
    for name, value in fields.items():
        setattr(fresh, name, value)
    if to_status == Status.CANCELLED:
        fresh.cancelled_at = now
    elif to_status == Status.SHIPPED:
        fresh.shipped_at = now
    elif to_status == Status.DELIVERED:
        fresh.delivered_at = now
    elif to_status == Status.SENT_TO_LAB:
        fresh.dispatch_due_at = lab_dispatch_due(order=fresh, sent_at=now)
    fresh.save()
    OrderStatusChange.objects.create(
        order=fresh,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )
    email_kind = STATUS_EMAILS.get(to_status)
    if email_kind and status_email:
        order_queue_email(order=fresh, kind=email_kind)
    order_status_changed.send(
        sender=Order,
        order=fresh,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
    )
    if to_status == Status.CLINICALLY_APPROVED:
        order_ready_for_lab.send(sender=Order, order=fresh)
    return _sync(order, fresh)


# --- Creating an order ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChoice:
    """What the customer chose on a product page."""

    product: Product
    size_system: str
    size: str
    top_cover_code: str = ""
    extra_pair: bool = False
    impression_box: bool = False
    quantity: int = 1

    def priced(self) -> tuple[int, str, str]:
        """(unit price, top-cover name, description): the product's price plus its options."""
        price = self.product.base_price
        top_cover_name = ""
        parts = [self.product.name, f"{self.size_system.upper()} {self.size}"]
        for option in self.product.options.all():
            if option.kind == option.Kind.TOP_COVER and option.code == self.top_cover_code:
                price += option.price_delta
                top_cover_name = option.name
                parts.append(option.name)
            elif (option.kind == option.Kind.EXTRA_PAIR and self.extra_pair) or (
                option.kind == option.Kind.IMPRESSION_BOX and self.impression_box
            ):
                price += option.price_delta
                parts.append(option.name)
        return price, top_cover_name, ", ".join(parts)


class ClinicalApprovalRefused(ValueError):
    """The order may not go towards the lab: no clinician approved it, or its assessment is closed."""


# Moving into these needs a clinician's approval that still stands (`order_clinical_refusal`).
LAB_BOUND_STATUSES = frozenset({Status.CLINICALLY_APPROVED, Status.SENT_TO_LAB})


def order_clinical_refusal(*, order: Order) -> str:
    """Why this order may not go to the lab, or "" when a clinician's approval stands.

    With an assessment: the one gate (`assessment_may_back_order`) and a clinician's approval of
    it. Without one: a passed checkout health screen (or, for orders placed before checkout asked
    it, the clinician's confirmation that they asked the red-flag questions) and approval by a
    clinician (never general staff). Checked by the state machine on every move towards the lab
    and by the lab hand-off just before sending.
    """
    if order.approved_for_lab_at is None:
        return _("No clinician has approved this order for the lab.")
    if order.assessment_id is not None:
        if not assessment_may_back_order(assessment=order.assessment):
            return _("Its assessment ended in a referral: it can never back an order.")
        if not assessment_approved_for_lab(assessment=order.assessment):
            return _("Its assessment is not approved by a clinician.")
        return ""
    if not is_clinician(order.approved_for_lab_by):
        return _("An order without an assessment needs a clinician's approval.")
    return screen_refusal(order)


@transaction.atomic
def order_create(
    *,
    lines: list[LineChoice],
    email: str,
    full_name: str,
    address_line1: str,
    city: str,
    postcode: str,
    country: str,
    phone: str = "",
    address_line2: str = "",
    region: str = "",
    user=None,
    assessment: Assessment | None = None,
    health_screen: HealthScreen | None = None,
    checkout_key: str | None = None,
) -> Order:
    """Creates the order and its numbered lines in one transaction, awaiting payment.

    The same `checkout_key` (the checkout form's hidden key) returns the order it already created, so a
    double submit does not create two orders. `health_screen` is checkout's health questions (asked
    when there is no assessment): kept on the order; a red flag or under 18 never makes an order.
    """
    if not lines:
        raise ValueError("An order needs at least one line.")
    if checkout_key:
        existing = Order.objects.filter(checkout_key=checkout_key).first()
        if existing is not None:
            return existing
    if assessment is not None and not assessment_may_back_order(assessment=assessment):
        raise ValueError("This assessment cannot back an order.")
    if health_screen is not None and not health_screen.passed:
        raise ValueError("A red flag or an age under 18 ends in a referral, never in an order.")
    currencies = {line.product.currency.lower() for line in lines}
    if len(currencies) != 1:
        raise ValueError("All lines of an order must share one currency.")
    now = timezone.now()
    order = Order(
        user=user if getattr(user, "is_authenticated", False) else None,
        assessment=assessment,
        email=email.strip(),
        full_name=full_name.strip(),
        phone=phone.strip(),
        address_line1=address_line1.strip(),
        address_line2=address_line2.strip(),
        city=city.strip(),
        region=region.strip(),
        postcode=postcode.strip().upper(),
        country=country.upper(),
        terms_accepted_at=now,
        health_data_consent_at=now,
        health_data_consent_version=HEALTH_DATA_CONSENT_VERSION,
        currency=currencies.pop(),
        checkout_key=checkout_key or None,
        checkout_attempt=1,
    )
    if health_screen is not None:
        order.health_screen = health_screen.as_json()
        order.health_screen_version = health_screen.version
        order.health_screen_at = health_screen.at
        order.adult_confirmed_at = health_screen.at
    from .models import new_order_number

    for _attempt in range(10):
        order.number = new_order_number()
        if not Order.objects.filter(number=order.number).exists():
            break
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        if checkout_key:
            return Order.objects.get(checkout_key=checkout_key)
        raise
    subtotal = 0
    for number, choice in enumerate(lines, start=1):
        unit_price, top_cover_name, description = choice.priced()
        line_total = unit_price * choice.quantity
        subtotal += line_total
        OrderLine.objects.create(
            order=order,
            line_number=number,
            product=choice.product,
            description=description[:300],
            size_system=choice.size_system,
            size=choice.size,
            top_cover=top_cover_name,
            extra_pair=choice.extra_pair,
            impression_box=choice.impression_box,
            quantity=choice.quantity,
            unit_price=unit_price,
            line_total=line_total,
        )
    order.subtotal = subtotal
    order.shipping = 0
    order.total = subtotal + order.shipping
    order.save(update_fields=["subtotal", "shipping", "total", "updated_at"])
    OrderStatusChange.objects.create(
        order=order, from_status="", to_status=order.status, note=_("Order placed.")
    )
    return order


@transaction.atomic
def order_set_checkout_session(*, order: Order, session_id: str) -> Order:
    """Remembers the Checkout Session of the current attempt (to tell stale sessions apart)."""
    fresh = _locked(order)
    fresh.stripe_checkout_session_id = session_id
    fresh.save(update_fields=["stripe_checkout_session_id", "updated_at"])
    return _sync(order, fresh)


@transaction.atomic
def order_retry_checkout(*, order: Order, actor=None) -> Order:
    """A new checkout attempt (new idempotency key) after a failed or expired one."""
    fresh = _locked(order)
    if fresh.status not in {Status.PAYMENT_FAILED, Status.CHECKOUT_EXPIRED}:
        if fresh.status == Status.AWAITING_PAYMENT:
            return _sync(order, fresh)
        raise IllegalTransition(fresh.status, Status.AWAITING_PAYMENT)
    fresh.checkout_attempt += 1
    fresh.stripe_checkout_session_id = ""
    fresh.save(update_fields=["checkout_attempt", "stripe_checkout_session_id", "updated_at"])
    return order_set_status(
        order=_sync(order, fresh),
        to_status=Status.AWAITING_PAYMENT,
        actor=actor,
        note=_("Checkout started again."),
    )


# --- Payments ------------------------------------------------------------------------------------


@transaction.atomic
def order_mark_paid(
    *,
    order: Order,
    event: object | None,
    amount: int,
    currency: str,
    payment_intent_id: str = "",
    checkout_session_id: str = "",
) -> bool:
    """Records a confirmed payment and moves the order on to waiting for scans.

    Only Stripe's verified webhook (or the test payment page's signed event) calls this; the payments
    app records the Payment row and raises any flag (mismatch, paid after cancellation). `event` is the stored delivery (its `event_id` goes on the
    timeline) or None. Returns True
    when this call paid the order; False when it was already paid (a duplicate) or the amount or
    currency do not match the order (then the order is flagged for staff and stays unpaid).
    """
    fresh = _locked(order)
    if fresh.paid_at is not None:
        return False
    event_id = getattr(event, "event_id", "") or ""
    if amount != fresh.total or currency.lower() != fresh.currency.lower():
        # The payments app raises the flag for staff; the order is never paid with the wrong money.
        logger.warning("Payment amount mismatch on order %s", fresh.number)
        _sync(order, fresh)
        return False
    fresh.paid_at = timezone.now()
    fresh.amount_paid = amount
    if payment_intent_id:
        fresh.stripe_payment_intent_id = payment_intent_id
    if checkout_session_id:
        fresh.stripe_checkout_session_id = checkout_session_id
    fresh.save()
    note = _("Payment confirmed by Stripe (event %(event)s).") % {"event": event_id or "-"}
    if fresh.status == Status.CANCELLED:
        # Paid late for an order already cancelled: keep it cancelled (payments flags it for a refund).
        order_add_note(order=fresh, note=note)
        _sync(order, fresh)
        return True
    order_set_status(order=fresh, to_status=Status.PAID, note=note)
    order_set_status(
        order=fresh, to_status=Status.AWAITING_SCANS, note=_("Waiting for the foot scans.")
    )
    _sync(order, fresh)
    return True


@transaction.atomic
def order_mark_payment_processing(*, order: Order, event: object | None, note: str = "") -> bool:
    """Checkout completed with a delayed method (`payment_status: "unpaid"`): the customer has paid
    as far as they can; Stripe's `async_payment_succeeded`/`failed` moves the order on."""
    fresh = _locked(order)
    if fresh.status not in PAYABLE_STATUSES or fresh.paid_at is not None:
        return False
    order_set_status(
        order=fresh,
        to_status=Status.PAYMENT_PROCESSING,
        note=note or _("Payment started with a method that takes a few days to confirm."),
    )
    _sync(order, fresh)
    return True


@transaction.atomic
def order_mark_payment_failed(*, order: Order, event: object | None, note: str = "") -> bool:
    """A delayed payment method failed: the customer may try again. No-op once paid."""
    fresh = _locked(order)
    if fresh.status not in {Status.AWAITING_PAYMENT, Status.PAYMENT_PROCESSING}:
        return False
    order_set_status(order=fresh, to_status=Status.PAYMENT_FAILED, note=note)
    _sync(order, fresh)
    return True


@transaction.atomic
def order_mark_checkout_expired(*, order: Order, session_id: str, event=None) -> bool:
    """The current checkout session expired unpaid. Stale sessions and paid orders are left alone."""
    fresh = _locked(order)
    if fresh.status != Status.AWAITING_PAYMENT:
        return False
    if fresh.stripe_checkout_session_id and session_id != fresh.stripe_checkout_session_id:
        return False
    order_set_status(
        order=fresh,
        to_status=Status.CHECKOUT_EXPIRED,
        note=_("The checkout session expired before payment."),
    )
    _sync(order, fresh)
    return True


@transaction.atomic
def order_record_refund(
    *,
    order: Order,
    event: object | None,
    amount_refunded_total: int,
    currency: str,
) -> bool:
    """Records the refunded total as Stripe reports it (cumulative, so order-insensitive).

    A full refund moves the order to REFUNDED; a partial one only records the money (the payments
    app keeps one row per refund). Returns True when the total grew.
    """
    fresh = _locked(order)
    if currency.lower() != fresh.currency.lower():
        raise ValueError(f"Refund currency {currency} does not match order {fresh.currency}.")
    changed = False
    event_id = getattr(event, "event_id", "") or ""
    if amount_refunded_total > fresh.amount_refunded:
        fresh.amount_refunded = amount_refunded_total
        fresh.save(update_fields=["amount_refunded", "updated_at"])
        changed = True
        full = fresh.amount_paid and fresh.amount_refunded >= fresh.amount_paid
        note = _("Refunded %(amount)s %(currency)s in total (event %(event)s).") % {
            "amount": fresh.amount_refunded,
            "currency": fresh.currency.upper(),
            "event": event_id or "-",
        }
        if full and can_transition(fresh.status, Status.REFUNDED):
            order_set_status(order=fresh, to_status=Status.REFUNDED, note=note)
        else:
            OrderStatusChange.objects.create(
                order=fresh, from_status=fresh.status, to_status=fresh.status, note=note
            )
    _sync(order, fresh)
    return changed


@transaction.atomic
def order_set_payment_flag(*, order: Order, flag: str) -> Order:
    """The order's payment problem shown to staff ("" clears it); the payments app keeps the causes
    and writes their summary here."""
    fresh = _locked(order)
    if fresh.payment_flag != flag:
        fresh.payment_flag = flag
        fresh.save(update_fields=["payment_flag", "updated_at"])
    return _sync(order, fresh)


@transaction.atomic
def order_add_note(*, order: Order, note: str, actor=None) -> OrderStatusChange:
    """A timeline entry without a status change (e.g. "refund requested")."""
    fresh = _locked(order)
    return OrderStatusChange.objects.create(
        order=fresh,
        from_status=fresh.status,
        to_status=fresh.status,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


def order_add_staff_note(*, order: Order, author, text: str) -> OrderNote:
    """A staff note: its own record (who, when), never on the customer's timeline."""
    if not text.strip():
        raise ValueError(_("A note needs some text."))
    author = author if getattr(author, "pk", None) else None
    return OrderNote.objects.create(order=order, author=author, text=text.strip())


# --- Revoking the customer's link --------------------------------------------------------------


@transaction.atomic
def order_revoke_access_token(*, order: Order, actor=None) -> Order:
    """Gives the order a new link token: the old link (leaked, forwarded) stops working at once.

    Recorded on the timeline; the customer gets the new link by email when staff resend it.
    """
    from .models import new_access_token

    fresh = _locked(order)
    fresh.access_token = new_access_token()
    fresh.save(update_fields=["access_token"])
    order_add_note(
        order=fresh, note=_("Customer link revoked; a new link was issued."), actor=actor
    )
    order.access_token = fresh.access_token
    return fresh


# --- Cancelling ----------------------------------------------------------------------------------


@transaction.atomic
def order_cancel(*, order: Order, actor=None, note: str = "") -> Order:
    """Cancels before the lab starts; a paid order then needs a refund (staff do it in admin)."""
    return order_set_status(order=order, to_status=Status.CANCELLED, actor=actor, note=note)


# --- Emails --------------------------------------------------------------------------------------


def order_queue_email(*, order: Order, kind: str) -> OrderEmail:
    """Records the email and enqueues its sending after commit; a broker failure is logged, not raised
    (the row stays QUEUED and staff can resend it from admin)."""
    email = OrderEmail.objects.create(order=order, kind=kind)
    enqueue_on_commit("orders.tasks.send_order_email", email.pk)
    return email


# What erasure writes over an order's personal fields; amounts, dates and statuses stay (accounting).
ERASED_ORDER_FIELDS = {
    "full_name": "Erased customer",
    "phone": "",
    **dict.fromkeys(ADDRESS_PERSONAL_FIELDS, ""),
    "address_line1": "Erased",  # required fields keep a placeholder
    "city": "Erased",
    "payment_flag": "",
    "checkout_key": None,
    # Checkout's health answers (orders without an assessment); when they were given is kept.
    "health_screen": {},
}


@transaction.atomic
def order_erase_personal_data(*, order: Order) -> Order:
    """Anonymises the order (a customer's right to erasure, `fitsperfect.accounts.privacy`): personal
    fields blanked, a new access token so old links stop working, no account. Status, amounts and
    dates are kept, and nothing is recorded in the status history."""
    fresh = _locked(order)
    for name, value in ERASED_ORDER_FIELDS.items():
        setattr(fresh, name, value)
    fresh.email = f"erased-{fresh.pk}@erased.invalid"
    fresh.access_token = new_access_token()
    fresh.user = None
    fresh.save()
    return _sync(order, fresh)
