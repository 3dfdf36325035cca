"""The lab app's reaction to the order's documented signal `orders.signals.order_ready_for_lab`."""

from django.dispatch import receiver

from orders.clinic.signals import prescription_recorded
from orders.signals import order_ready_for_lab
from orders.states import Status

from .services import lab_submission_create


@receiver(order_ready_for_lab, dispatch_uid="orders.lab_outbox")
def on_order_ready_for_lab(sender, order, **kwargs) -> None:
    """Inside the transaction that made the order ready: write the outbox row (sent on commit)."""
    lab_submission_create(order=order)


@receiver(prescription_recorded, dispatch_uid="orders.lab_prescription")
def on_prescription_recorded(sender, order, prescription, **kwargs) -> None:
    """An approved order that waited for its prescription goes to the lab now (same transaction).
    An order not yet approved goes when its approval makes it ready."""
    if order.status == Status.CLINICALLY_APPROVED:
        lab_submission_create(order=order)
