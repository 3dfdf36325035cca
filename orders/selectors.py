"""Reads for orders: what pages, admin and emails show."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from fitsperfect.export import row_data

from .models import Order, OrderStatusChange
from .states import HAPPY_PATH, PAYABLE_STATUSES, SCAN_UPLOAD_STATUSES, Status


def order_by_token(token: str) -> Order | None:
    return (
        Order.objects.select_related("assessment")
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
