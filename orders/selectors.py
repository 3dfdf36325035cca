"""Reads for orders: what pages, admin and emails show."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import (
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fitsperfect.export import row_data
from fitsperfect.money import money

from .models import Carrier, Order, OrderStatusChange
from .states import HAPPY_PATH, PAYABLE_STATUSES, SCAN_UPLOAD_STATUSES, Status

S = Status
# Paid and still no scans this long after payment: overdue (the admin's "overdue" filter).
SCANS_OVERDUE_AFTER = timedelta(days=7)
AT_LAB_STATUSES = frozenset({S.SENT_TO_LAB, S.IN_PRODUCTION})
WAITING_FOR_SCANS = frozenset({S.PAID, S.AWAITING_SCANS})
# The admin's work filters: (key, title); `orders_for_work` filters by key.
WORK_FILTERS = [
    ("approve", gettext_lazy("To approve (clinician)")),
    ("scans_review", gettext_lazy("Scans to review")),
    ("ready_for_lab", gettext_lazy("Ready for the lab")),
    ("at_lab", gettext_lazy("At the lab")),
    ("overdue", gettext_lazy("Overdue")),
    ("flagged", gettext_lazy("Flagged")),
]


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


def orders_for_work(queryset: QuerySet[Order], key: str, *, now=None) -> QuerySet[Order]:
    """The admin's list filters that match the work. "Scans to review": a scan waiting for staff
    review (until `orders.scans.selectors.orders_with_scans_to_review` exists)."""
    now = now or timezone.now()
    if key == "approve":
        return queryset.filter(status__in=[*SCAN_UPLOAD_STATUSES], approved_for_lab_at__isnull=True)
    if key == "scans_review":
        return queryset.filter(status__in=[*SCAN_UPLOAD_STATUSES]).filter(_scan_to_review())
    if key == "ready_for_lab":
        return queryset.filter(status=S.CLINICALLY_APPROVED)
    if key == "at_lab":
        return queryset.filter(status__in=[*AT_LAB_STATUSES])
    if key == "overdue":
        return queryset.filter(
            Q(status__in=[*WAITING_FOR_SCANS], paid_at__lte=now - SCANS_OVERDUE_AFTER)
            | Q(status__in=[*AT_LAB_STATUSES], dispatch_due_at__lt=now)
        )
    if key == "flagged":
        return queryset.exclude(payment_flag="", lab_error="")
    return queryset


def _scan_to_review() -> Exists:
    """A scan waiting for staff review that is still the newest of its foot (no later upload
    that is not rejected): the one staff can accept. Read through the reverse relation, so this
    app does not import the scans app."""
    scan = Order._meta.get_field("scans").related_model
    newer = scan.objects.filter(
        order=OuterRef("order"), side=OuterRef("side"), revision__gt=OuterRef("revision")
    ).exclude(status="rejected")
    waiting = scan.objects.filter(order=OuterRef("pk"), status="needs_review")
    return Exists(waiting.exclude(Exists(newer)))


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
    if order.status in {Status.PAID, Status.AWAITING_SCANS}:
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
