"""Money that moved (Payment) and every Stripe webhook delivery (StripeEvent).

Both tables were created by the orders app (`orders_payment`, `orders_stripeevent`) and keep their
names: the models moved here with `SeparateDatabaseAndState`, no row was copied.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """Money that moved, as Stripe reported it: one row per charge or refund object."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Payment")
        REFUND = "refund", _("Refund")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    stripe_object_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    stripe_event_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_payment"
        ordering = ["created_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class StripeEvent(models.Model):
    """Every delivery to /webhooks/stripe/ exactly as received, valid or not, and what became of it."""

    event_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    type = models.CharField(max_length=100, blank=True, db_index=True)
    raw_body = models.TextField()
    headers = models.JSONField(default=dict)
    valid = models.BooleanField(default=False)
    processed = models.BooleanField(default=False, db_index=True)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stripe_events",
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_stripeevent"
        ordering = ["-received_at"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return self.event_id or _("invalid delivery %(id)s") % {"id": self.pk}
