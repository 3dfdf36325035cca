"""Money that moved (Payment) and every Stripe webhook delivery (StripeEvent).

Both tables were created by the orders app (`orders_payment`, `orders_stripeevent`) and keep their
names: the models moved here with `SeparateDatabaseAndState`, no row was copied.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """Money that moved or is moving, as Stripe reported it: one row per charge or refund object.

    A refund we ask for gets its row first (status "requested", its own `request_key`, the
    idempotency key of that one request); Stripe's Refund object then fills in its id and status.
    Only succeeded refunds count towards the order's refunded total.
    """

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Payment")
        REFUND = "refund", _("Refund")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested (not confirmed by Stripe yet)")
        PENDING = "pending", _("Pending")
        REQUIRES_ACTION = "requires_action", _("Requires action")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A refund requested by us has no Stripe id until Stripe answers: then it is the request key.
    stripe_object_id = models.CharField(max_length=255, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    stripe_event_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUCCEEDED
    )
    # The PaymentIntent the charge belongs to, or the refund was made on.
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    # A second successful payment for an order that was already paid (refund it).
    is_extra = models.BooleanField(_("paid twice"), default=False)
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    failure_reason = models.CharField(_("failure reason"), max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        db_table = "orders_payment"
        ordering = ["created_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class StripeEvent(models.Model):
    """Every delivery to /webhooks/stripe/ as received (bytes PostgreSQL refuses stored escaped),
    valid or not, and what became of it: applied, ignored (with the reason) or deferred (it may match
    a payment that has not arrived yet; processed again when it lands)."""

    class Result(models.TextChoices):
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored")
        DEFERRED = "deferred", _("Deferred")

    event_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    type = models.CharField(max_length=100, blank=True, db_index=True)
    raw_body = models.TextField()
    headers = models.JSONField(default=dict)
    valid = models.BooleanField(default=False)
    processed = models.BooleanField(default=False, db_index=True)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, blank=True, db_index=True
    )
    # What a deferred event waits for (a PaymentIntent id); processed again when it is paid.
    waiting_for = models.CharField(max_length=255, blank=True, db_index=True)
    api_version = models.CharField(_("API version"), max_length=40, blank=True)
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


class PaymentFlag(models.Model):
    """Something about an order's money that staff must look at. It clears itself when what raised it
    is resolved (a later correct payment, the extra payment refunded, the dispute closed...).

    The order's `payment_flag` text (its admin flag) is the summary of the open ones.
    """

    class Kind(models.TextChoices):
        MISMATCH = "mismatch", _("Amount or currency mismatch")
        PAID_TWICE = "paid_twice", _("Paid twice")
        PAID_AFTER_CANCEL = "paid_after_cancel", _("Paid after cancellation")
        REFUND_FAILED = "refund_failed", _("Refund failed")
        DISPUTE = "dispute", _("Dispute")
        # A flag the order carried before flags had causes (payments.0006): staff resolve it.
        OTHER = "other", _("Other")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="payment_flags"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What raised it (a PaymentIntent, refund or dispute id): the same cause raises one flag.
    reference = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "reference"],
                condition=models.Q(resolved_at__isnull=True),
                name="uniq_open_payment_flag",
            )
        ]
        verbose_name = _("payment flag")
        verbose_name_plural = _("payment flags")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({'open' if self.resolved_at is None else 'resolved'})"


class Dispute(models.Model):
    """A chargeback or inquiry Stripe told us about, as its latest event described it."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    charge_id = models.CharField(max_length=255, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=40)
    evidence_due_by = models.DateTimeField(_("evidence due by"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    LOST = "lost"
    CLOSED_STATUSES = frozenset({"won", "lost", "prevented", "warning_closed"})

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.status})"


class ProductVatRate(models.Model):
    """The VAT rate included in a product's price. Without a row the product carries
    `settings.VAT_DEFAULT_RATE_BASIS_POINTS` (UK standard rate, 20%). Zero-rating for eligible
    customers (e.g. disabled people's relief) is out of scope: every sale is at the product's rate."""

    product = models.OneToOneField(
        "catalogue.Product", on_delete=models.CASCADE, related_name="vat_rate"
    )
    rate_basis_points = models.PositiveIntegerField(
        _("VAT rate (basis points: 2000 = 20%)"), default=2000
    )

    class Meta:
        verbose_name = _("product VAT rate")
        verbose_name_plural = _("product VAT rates")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.rate_basis_points / 100:g}%"
