"""Reads for orders: what pages, admin and emails show."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import (
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from fitsperfect.export import row_data
from fitsperfect.money import money

from .models import Carrier, Order, OrderStatusChange
from .states import (
    HAPPY_PATH,
    PAYABLE_STATUSES,
    SCAN_UPLOAD_STATUSES,
    WAITING_FOR_SCANS_STATUSES,
    Status,
)

S = Status


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def lab_dispatch_due(*, order: Order, sent_at: datetime) -> datetime:
    """The dispatch promised when the lab takes the order: its lines' longest product turnaround
    (the catalogue's `turnaround_days`, working days) after it was sent."""
    days = order.lines.aggregate(days=Max("product__turnaround_days"))["days"] or 10
    return add_working_days(sent_at, days)


def carrier_tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's tracking page for this number ("" for a carrier we have no page for)."""
    if not carrier or not tracking_number:
        return ""
    known = Carrier.objects.filter(name__iexact=carrier.strip()).first()
    return known.tracking_url(tracking_number) if known else ""


def person_name(user, fallback: str) -> str:
    """How a customer sees a member of our team: their full name, never a username or email."""
    name = user.get_full_name().strip() if user is not None else ""
    return name or fallback


def order_customer_timeline(order: Order) -> list[dict]:
    """The customer's timeline, in their words: one line per status move, naming who did it.

    Staff notes, payment and lab references never reach it: the words come from the move, not
    from the internal note written with it."""
    changes = order.status_changes.exclude(to_status=F("from_status")).select_related("actor")
    approver = person_name(order.approved_for_lab_by, _("Our clinician"))
    entries = []
    for change in changes.order_by("created_at", "id"):
        text = _customer_words(order, change, approver)
        if text:
            label = change.get_to_status_display()
            entries.append(
                {"at": change.created_at, "status": change.to_status, "label": label, "text": text}
            )
    return entries


def _customer_words(order: Order, change: OrderStatusChange, approver: str) -> str:
    to, before = change.to_status, change.from_status
    staff = change.actor is not None and change.actor.is_staff
    amount = money(order.amount_paid, order.currency)
    words = {
        S.AWAITING_PAYMENT: _("You placed your order.") if not before else _("You can pay again."),
        S.PAYMENT_PROCESSING: _("Your bank payment is on its way to us."),
        S.PAYMENT_FAILED: _("Your payment did not go through."),
        S.CHECKOUT_EXPIRED: _("The payment page timed out before you paid."),
        S.PAID: _("We received your payment of %(amount)s.") % {"amount": amount},
        S.AWAITING_SCANS: _("We are waiting for your foot scans.")
        if before == S.PAID
        else _("We need your foot scans again: a new scan is being checked."),
        S.SCANS_RECEIVED: _("Our team checked your foot scans: both can be used.")
        if before != S.CLINICALLY_APPROVED
        else _("Your order is waiting for a clinician's review again."),
        S.CLINICALLY_APPROVED: _("%(name)s approved your orthotic prescription.")
        % {"name": approver},
        S.SENT_TO_LAB: _("Our lab received your order."),
        S.IN_PRODUCTION: _("Our lab started making your orthotics."),
        S.SHIPPED: _("Your orthotics were sent with %(carrier)s.") % {"carrier": order.carrier},
        S.DELIVERED: _("Your orthotics were delivered."),
        S.CANCELLED: _("Our team cancelled your order.")
        if staff
        else _("Your order was cancelled."),
        S.REFUNDED: _("We refunded %(amount)s.")
        % {"amount": money(order.amount_refunded, order.currency)},
    }
    return str(words.get(to, ""))


def order_by_token(token: str) -> Order | None:
    return (
        Order.objects.select_related("assessment", "approved_for_lab_by")
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.order_by("created_at", "id"),
            ),
        )
        .filter(access_token=token)
        .first()
    )


def order_by_number_and_email(number: str, email: str) -> Order | None:
    number = number.strip().upper()
    if number and not number.startswith("FP-"):
        number = "FP-" + number
    return Order.objects.filter(number=number, email__iexact=email.strip()).first()


def orders_for_user(user) -> QuerySet[Order]:
    if not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    return Order.objects.filter(user=user).order_by("-created_at")


def order_progress(order: Order) -> list[dict]:
    """The happy path with each step marked done, current or to do (for the order page)."""
    steps = []
    current = HAPPY_PATH.index(order.status) if order.status in HAPPY_PATH else -1
    for index, status in enumerate(HAPPY_PATH):
        state = "todo"
        if current >= 0:
            state = "done" if index < current else "current" if index == current else "todo"
        steps.append({"status": status, "label": Status(status).label, "state": state})
    return steps


def order_next_step(order: Order) -> str:
    """A code for what the customer should do or expect next (the template words it)."""
    if order.status in PAYABLE_STATUSES:
        return "pay"
    if order.status == Status.PAYMENT_PROCESSING:
        return "payment_processing"
    if order.status in WAITING_FOR_SCANS_STATUSES:
        return "upload_scans"
    if order.status == Status.SCANS_RECEIVED:
        return "wait_review"
    if order.status in {Status.CLINICALLY_APPROVED, Status.SENT_TO_LAB, Status.IN_PRODUCTION}:
        return "wait_lab"
    if order.status == Status.SHIPPED:
        return "track"
    return ""


def order_can_upload_scans(order: Order) -> bool:
    return order.status in SCAN_UPLOAD_STATUSES


def order_sent_emails(order: Order) -> list[dict]:
    """The emails this order has sent its customer, oldest first, for the order page.

    One query whatever the number of emails; the subject is the one the customer received
    (rendered from the order alone, in the reader's language), beside the kind's name.
    """
    from django.template.loader import render_to_string

    from .models import OrderEmail

    emails = OrderEmail.objects.filter(order=order, status=OrderEmail.Status.SENT).order_by(
        "sent_at", "id"
    )
    return [
        {
            "kind": email.get_kind_display(),
            "subject": " ".join(
                render_to_string(
                    f"orders/emails/{email.kind}_subject.txt", {"order": order}
                ).split()
            ),
            "sent_at": email.sent_at,
        }
        for email in emails.only("kind", "sent_at")
    ]


# --- A person's data (fitsperfect.accounts.privacy) ------------------------------------------


def orders_of_person(*, email: str | None, users) -> QuerySet[Order]:
    """The person's orders: their accounts', and (email given: staff checked who asks) those
    placed under their address."""
    condition = Q(user__in=users)
    if email is not None:
        condition |= Q(email__iexact=email.strip())
    return Order.objects.filter(condition)


def orders_export(*, orders) -> list[dict]:
    """Each order with its lines and status history (not its checkout key); one query per
    relation. Payments and scans are their apps' to add."""
    orders = list(orders)
    prefetch_related_objects(orders, "lines", "status_changes")
    return [
        row_data(o, exclude={"checkout_key"})
        | {
            "lines": [row_data(x) for x in o.lines.all()],
            "status_changes": [row_data(x) for x in o.status_changes.all()],
        }
        for o in orders
    ]
