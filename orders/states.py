"""The order state machine: every status and every legal move, in one table.

`orders.services.order_set_status` is the only code that changes `Order.status`; it consults
`can_transition` and records each move. Keeping the table here (no Django models) lets tests and
docs read it directly.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    # Checkout completed with a delayed method (Bacs, SEPA...): Stripe confirms or fails it later.
    PAYMENT_PROCESSING = "payment_processing", _("Payment processing")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    CHECKOUT_EXPIRED = "checkout_expired", _("Checkout expired")
    PAID = "paid", _("Paid")
    AWAITING_SCANS = "awaiting_scans", _("Awaiting scans")
    SCANS_RECEIVED = "scans_received", _("Scans received")
    CLINICALLY_APPROVED = "clinically_approved", _("Clinically approved")
    SENT_TO_LAB = "sent_to_lab", _("Sent to the lab")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class IllegalTransition(Exception):  # noqa: N818 - the domain's own word
    """Raised when a move is not in the table; nothing is changed or recorded."""

    def __init__(self, from_status: str, to_status: str, *, what: str = "order"):
        self.from_status = from_status
        self.to_status = to_status
        article = "An" if what[:1] in "aeiou" else "A"
        super().__init__(f"{article} {what} cannot move from {from_status!r} to {to_status!r}.")


S = Status

# Before the lab starts work an order can still be cancelled (and, if paid, refunded).
_CANCELLABLE = {S.CANCELLED}
# Once money has been taken, a full refund can end the order from any later status.
_REFUNDABLE = {S.REFUNDED}

TRANSITIONS: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.PAYMENT_PROCESSING, S.PAYMENT_FAILED, S.CHECKOUT_EXPIRED}
    | _CANCELLABLE,
    # The customer has paid with a delayed method: no Pay button; succeeded or failed moves it on.
    S.PAYMENT_PROCESSING: {S.PAID, S.PAYMENT_FAILED} | _CANCELLABLE,
    # A failed or expired checkout may be retried; a late or out-of-order success still pays it.
    S.PAYMENT_FAILED: {S.AWAITING_PAYMENT, S.PAYMENT_PROCESSING, S.PAID} | _CANCELLABLE,
    S.CHECKOUT_EXPIRED: {S.AWAITING_PAYMENT, S.PAYMENT_PROCESSING, S.PAID} | _CANCELLABLE,
    S.PAID: {S.AWAITING_SCANS} | _CANCELLABLE | _REFUNDABLE,
    S.AWAITING_SCANS: {S.SCANS_RECEIVED} | _CANCELLABLE | _REFUNDABLE,
    # Replacing a scan after it was received sends the order back to wait for valid scans.
    S.SCANS_RECEIVED: {S.CLINICALLY_APPROVED, S.AWAITING_SCANS} | _CANCELLABLE | _REFUNDABLE,
    S.CLINICALLY_APPROVED: {S.SENT_TO_LAB, S.SCANS_RECEIVED} | _CANCELLABLE | _REFUNDABLE,
    # The lab may report "shipped" without ever reporting "in production".
    S.SENT_TO_LAB: {S.IN_PRODUCTION, S.SHIPPED} | _REFUNDABLE,
    S.IN_PRODUCTION: {S.SHIPPED} | _REFUNDABLE,
    S.SHIPPED: {S.DELIVERED} | _REFUNDABLE,
    S.DELIVERED: set() | _REFUNDABLE,
    # A cancelled order that had been paid is then refunded. (A payment that arrives after the
    # cancellation is recorded and flagged for a refund; the order stays cancelled.)
    S.CANCELLED: {S.REFUNDED},
    S.REFUNDED: set(),
}

# The customer-facing path, in order, for the order page's progress list.
HAPPY_PATH: list[str] = [
    S.AWAITING_PAYMENT,
    S.PAID,
    S.AWAITING_SCANS,
    S.SCANS_RECEIVED,
    S.CLINICALLY_APPROVED,
    S.SENT_TO_LAB,
    S.IN_PRODUCTION,
    S.SHIPPED,
    S.DELIVERED,
]

# Statuses in which money has been taken and not (fully) given back.
PAID_STATUSES = frozenset(
    {
        S.PAID,
        S.AWAITING_SCANS,
        S.SCANS_RECEIVED,
        S.CLINICALLY_APPROVED,
        S.SENT_TO_LAB,
        S.IN_PRODUCTION,
        S.SHIPPED,
        S.DELIVERED,
    }
)
# Statuses in which the customer may still upload or replace scans (the one definition: the
# upload service, the order page and the approval note all read it). Once clinically approved the
# order is on its way to the lab.
SCAN_UPLOAD_STATUSES = frozenset({S.PAID, S.AWAITING_SCANS, S.SCANS_RECEIVED})
# Paid and waiting for the customer's scans (the admin's "overdue" and the reminders read it).
WAITING_FOR_SCANS_STATUSES = frozenset({S.PAID, S.AWAITING_SCANS})
# The lab has the order and has not shipped it yet.
AT_LAB_STATUSES = frozenset({S.SENT_TO_LAB, S.IN_PRODUCTION})
UNPAID_STATUSES = frozenset(
    {S.AWAITING_PAYMENT, S.PAYMENT_PROCESSING, S.PAYMENT_FAILED, S.CHECKOUT_EXPIRED}
)
# Statuses in which the customer is offered the Pay button (not while a payment is processing).
PAYABLE_STATUSES = frozenset({S.AWAITING_PAYMENT, S.PAYMENT_FAILED, S.CHECKOUT_EXPIRED})
# Orders whose customer data may be erased at once; the others are still being made or sent (the
# lab needs the delivery address until the parcel is out), or may still be paid (a processing
# payment). Read by `fitsperfect.accounts.privacy`.
SETTLED_STATUSES = PAYABLE_STATUSES | {S.SHIPPED, S.DELIVERED, S.CANCELLED, S.REFUNDED}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, set())
