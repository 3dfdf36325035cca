"""The lab app's reaction to the order's documented signal `orders.signals.order_ready_for_lab`."""

from django.dispatch import receiver

from orders.signals import order_ready_for_lab

from .services import lab_submission_create


@receiver(order_ready_for_lab, dispatch_uid="orders.lab_outbox")
def on_order_ready_for_lab(sender, order, **kwargs) -> None:
    """Inside the transaction that made the order ready: write the outbox row (sent on commit)."""
    lab_submission_create(order=order)
