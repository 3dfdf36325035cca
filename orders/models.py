"""Orders, their lines, recorded status history and customer emails (the catalogue lives in
orders.catalogue, payments and Stripe deliveries in orders.payments).

Money is integer minor units plus a lower-case ISO currency code; times are UTC. An order's status only
changes through `orders.services.order_set_status`, which checks `orders.states` and records the move.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fitsperfect.audit_trail import AuditedQuerySet

from .address import ADDRESS_FIELDS
from .catalogue.models import Product, SizeSystem, default_currency
from .states import Status

# Crockford-ish alphabet without look-alikes (0/O, 1/I/L): easy to read out over the phone.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_order_number() -> str:
    return "FP-" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))


def new_access_token() -> str:
    """256 random bits: the only key to a guest's order page."""
    return secrets.token_urlsafe(32)


class Order(models.Model):
    Status = Status

    number = models.CharField(_("order number"), max_length=16, unique=True)
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token)
    # The hidden key of the checkout form that created this order: a double submit finds the same order.
    checkout_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=Status.choices,
        default=Status.AWAITING_PAYMENT,
        db_index=True,
    )

    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("town or city"), max_length=100)
    region = models.CharField(_("county, state or region"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20)
    country = models.CharField(_("country"), max_length=2)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    health_data_consent_at = models.DateTimeField(null=True, blank=True)
    # Which wording the customer agreed to (orders.consent.HEALTH_DATA_CONSENT_VERSION).
    health_data_consent_version = models.CharField(max_length=40, blank=True)

    currency = models.CharField(max_length=3, default=default_currency)
    subtotal = models.PositiveIntegerField(default=0)
    shipping = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    amount_paid = models.PositiveIntegerField(default=0)
    amount_refunded = models.PositiveIntegerField(default=0)

    checkout_attempt = models.PositiveSmallIntegerField(default=0)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Why a payment could not be accepted automatically (amount mismatch...): staff must look.
    payment_flag = models.TextField(_("payment problem"), blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True, db_index=True)

    # The checkout health questions (orders.health_screen), asked when there is no assessment: the
    # answers as given, which wording they were given to, and when. Only a passed screen is stored.
    health_screen = models.JSONField(default=dict, blank=True)
    health_screen_version = models.CharField(max_length=40, blank=True)
    health_screen_at = models.DateTimeField(_("health questions answered"), null=True, blank=True)
    adult_confirmed_at = models.DateTimeField(_("confirmed 18 or over"), null=True, blank=True)
    # Orders placed before checkout asked those questions: the approving clinician's confirmation
    # that they asked them with the customer themselves (orders.health_screen.screen_refusal).
    red_flags_confirmed_at = models.DateTimeField(
        _("red-flag questions checked by a clinician"), null=True, blank=True
    )
    red_flags_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Clinical approval: from the linked assessment's review, or a clinician's when there is none.
    approved_for_lab_at = models.DateTimeField(null=True, blank=True)
    approved_for_lab_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The lab hand-off's latest failure, set by the lab code (issue 7); cleared when it succeeds.
    lab_error = models.TextField(_("lab error"), blank=True)
    lab_reference = models.CharField(_("lab reference"), max_length=100, blank=True)

    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The dispatch date promised when the lab took the order (sent time + the lines' longest
    # turnaround in working days, `selectors.lab_dispatch_due`): "at the lab" past it is overdue.
    dispatch_due_at = models.DateTimeField(_("dispatch promised by"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes reach the audit trail too

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("refund_order", _("Can refund orders through Stripe")),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("orders:order_detail", args=[self.access_token])

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def refundable_amount(self) -> int:
        return max(self.amount_paid - self.amount_refunded, 0)

    @property
    def shipping_address_lines(self) -> list[str]:
        parts = [self.full_name, *(getattr(self, name) for name in ADDRESS_FIELDS)]
        return [part for part in parts if part]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # Snapshots: what the customer bought, whatever the catalogue says later.
    description = models.CharField(max_length=300)
    size_system = models.CharField(max_length=2, choices=SizeSystem.choices)
    size = models.CharField(max_length=8)
    top_cover = models.CharField(max_length=100, blank=True)
    extra_pair = models.BooleanField(default=False)
    # We post a foam impression box: the scans come from it, not from the customer's upload.
    impression_box = models.BooleanField(default=False)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_price = models.PositiveIntegerField()
    line_total = models.PositiveIntegerField()

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="uniq_order_line_number")
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.order.number} #{self.line_number}"


class OrderStatusChange(models.Model):
    """One recorded move of the state machine: who, when, from, to, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=32, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=32, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '-'} → {self.get_to_status_display()}"


class OrderNote(models.Model):
    """A note staff keep on an order (a phone call, a promise): its own record, never shown to the
    customer, never a status change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("staff note")
        verbose_name_plural = _("staff notes")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.text[:40]}"


class Carrier(models.Model):
    """A carrier staff ship with, and how its tracking page is reached: data, edited in the admin.
    `Order.carrier` keeps the name as given (the lab may name one we do not know)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # "https://track.example/?n={number}": {number} is replaced by the URL-quoted tracking number.
    tracking_url_template = models.CharField(_("tracking page"), max_length=300)
    is_active = models.BooleanField(_("offered to staff"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name

    def tracking_url(self, number: str) -> str:
        from urllib.parse import quote

        return self.tracking_url_template.replace("{number}", quote(number.strip(), safe=""))


class OrderEmail(models.Model):
    """A customer email we owe: queued after commit, retried, visible to staff; never blocks the order."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Order confirmation and receipt")
        SCANS_NEEDED = "scans_needed", _("Scans needed")
        SENT_TO_LAB = "sent_to_lab", _("Sent to the lab")
        SHIPPED = "shipped", _("Shipped")
        CANCELLED = "cancelled", _("Order cancelled")
        REFUNDED = "refunded", _("Refund issued")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker last tried it: a queued row never tried (a lost enqueue) or tried long ago (a
    # lost retry) is sent again by beat's sweep (orders.emails.order_emails_sweep).
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="orderemail_status_created")]
        verbose_name = _("customer email")
        verbose_name_plural = _("customer emails")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({self.status})"
