"""Catalogue, orders, their recorded status history and customer emails (payments: orders.payments).

Money is integer minor units plus a lower-case ISO currency code; times are UTC. An order's status only
changes through `orders.services.order_set_status`, which checks `orders.states` and records the move.
"""

import secrets
import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fitsperfect.audit_trail import AuditedQuerySet

from .states import Status

# Crockford-ish alphabet without look-alikes (0/O, 1/I/L): easy to read out over the phone.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_order_number() -> str:
    return "FP-" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))


def new_access_token() -> str:
    """256 random bits: the only key to a guest's order page."""
    return secrets.token_urlsafe(32)


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY.lower()


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"))
    # One included item per line ("Two custom insoles", "Free remake within 60 days"...).
    included = models.TextField(_("what is included"), blank=True)
    turnaround_days = models.PositiveSmallIntegerField(_("turnaround (working days)"), default=10)
    base_price = models.PositiveIntegerField(_("price (minor units)"))
    currency = models.CharField(max_length=3, default=default_currency)
    image = models.CharField(_("image (static path)"), max_length=200, blank=True)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("orders:product_detail", args=[self.slug])

    @property
    def included_items(self) -> list[str]:
        return [line.strip() for line in self.included.splitlines() if line.strip()]


class ProductOption(models.Model):
    """A priced choice on a product: a top-cover material or an extra pair."""

    class Kind(models.TextChoices):
        TOP_COVER = "top_cover", _("Top cover")
        EXTRA_PAIR = "extra_pair", _("Extra pair")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=100)
    price_delta = models.IntegerField(_("price change (minor units)"), default=0)
    is_default = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "code"], name="uniq_product_option")
        ]
        verbose_name = _("product option")
        verbose_name_plural = _("product options")

    def __str__(self) -> str:
        return f"{self.product.slug}: {self.get_kind_display()} {self.name}"


class SizeSystem(models.TextChoices):
    EU = "eu", _("EU")
    UK = "uk", _("UK")
    US = "us", _("US")


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
        parts = [
            self.full_name,
            self.address_line1,
            self.address_line2,
            self.city,
            self.region,
            self.postcode,
            self.country,
        ]
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
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"


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
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("customer email")
        verbose_name_plural = _("customer emails")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({self.status})"


# --- Scans, photos and the lab hand-off (issue 7) --------------------------------------------------


def _private_name(folder: str, extension: str) -> str:
    """A random storage name: the customer's file name never reaches the disk."""
    import uuid

    extension = "".join(ch for ch in extension.lower() if ch.isalnum())[:8]
    return f"{folder}/{uuid.uuid4().hex}{'.' + extension if extension else ''}"


def scan_upload_to(instance, filename: str) -> str:
    return _private_name("scans", instance.file_format or filename.rsplit(".", 1)[-1])


def scan_preview_upload_to(instance, filename: str) -> str:
    return _private_name("scan-previews", "png")


def photo_upload_to(instance, filename: str) -> str:
    return _private_name("foot-photos", "jpg" if instance.file_format == "jpeg" else "png")


class Side(models.TextChoices):
    LEFT = "left", _("Left foot")
    RIGHT = "right", _("Right foot")


class Scan(models.Model):
    """One uploaded 3D scan of one foot. Replacing a scan adds a revision; old ones stay for staff.

    ``is_current`` marks the scan of each side the lab will get (valid, or accepted by staff after
    review); a new upload only becomes current once it is usable.
    """

    Side = Side

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        VALID = "valid", _("Valid")
        NEEDS_REVIEW = "needs_review", _("Needs staff review")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="scans")
    side = models.CharField(_("foot"), max_length=5, choices=Side.choices)
    revision = models.PositiveIntegerField(_("revision"))
    file = models.FileField(_("scan file"), upload_to=scan_upload_to, max_length=200)
    original_name = models.CharField(_("file name as uploaded"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("bytes"), default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    rejection_code = models.CharField(max_length=40, blank=True)
    rejection_message = models.TextField(_("why it was rejected"), blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    review_reasons = models.JSONField(_("why staff must review it"), default=list, blank=True)
    unit = models.CharField(_("unit guess"), max_length=8, blank=True)
    unit_confidence = models.FloatField(_("unit confidence"), null=True, blank=True)
    scale_to_mm = models.FloatField(null=True, blank=True)
    measurements = models.JSONField(_("measurements (mm)"), default=dict, blank=True)
    side_guess = models.CharField(_("foot it looks like"), max_length=5, blank=True)
    triangle_count = models.PositiveIntegerField(_("triangles"), null=True, blank=True)
    bbox_mm = models.JSONField(_("bounding box (mm)"), default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    preview = models.FileField(upload_to=scan_preview_upload_to, max_length=200, blank=True)
    is_current = models.BooleanField(_("in use"), default=False)
    # Validation runs counted before each run: a file that kills the worker is not retried forever.
    check_attempts = models.PositiveSmallIntegerField(default=0)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted after review"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes reach the audit trail too

    class Meta:
        ordering = ["order", "side", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "side", "revision"], name="uniq_scan_revision"
            ),
            models.UniqueConstraint(
                fields=["order", "side"],
                condition=models.Q(is_current=True),
                name="uniq_current_scan_per_side",
            ),
        ]
        verbose_name = _("foot scan")
        verbose_name_plural = _("foot scans")
        permissions = [("accept_scan", _("Can accept a scan after review"))]

    def __str__(self) -> str:
        return f"{self.order_id} {self.side} r{self.revision} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.UPLOADED, self.Status.CHECKING}

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.VALID


class FootPhoto(models.Model):
    """An optional photo of a foot, re-encoded from its pixels (no EXIF, GPS or comments)."""

    class Role(models.TextChoices):
        LEFT = "left_photo", _("Left foot")
        RIGHT = "right_photo", _("Right foot")
        OTHER = "other_photo", _("Other")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="foot_photos")
    role = models.CharField(max_length=12, choices=Role.choices)
    file = models.FileField(upload_to=photo_upload_to, max_length=200)
    file_format = models.CharField(max_length=4)  # "jpeg" or "png"
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "role", "-created_at"]
        verbose_name = _("foot photo")
        verbose_name_plural = _("foot photos")

    def __str__(self) -> str:
        return f"{self.order_id} {self.role}"


class LabSubmission(models.Model):
    """The outbox row of one order revision for the lab; its UUID is the idempotency key.

    Written in the same transaction that makes the order ready; the Celery task sends it after commit
    and the beat sweep re-sends rows left behind. ``payload`` is a frozen snapshot of what is sent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Retrying")
        SUBMITTED = "submitted", _("Submitted")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid_lib.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lab_submissions")
    revision = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    lab_reference = models.CharField(_("lab reference"), max_length=100, blank=True)
    transport = models.CharField(max_length=10, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    payload = models.JSONField(default=dict)
    manifest = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "revision"], name="uniq_lab_revision")
        ]
        verbose_name = _("lab submission")
        verbose_name_plural = _("lab submissions")
        permissions = [("resend_labsubmission", _("Can resend a submission to the lab"))]

    def __str__(self) -> str:
        return f"{self.order_id} r{self.revision} ({self.status})"


class LabEvent(models.Model):
    """Every delivery to /webhooks/lab/, valid or not; the event id deduplicates."""

    event_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    type = models.CharField(max_length=30, blank=True)
    raw_body = models.TextField()
    valid = models.BooleanField(default=False)
    processed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    submission = models.ForeignKey(
        LabSubmission, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("lab event")
        verbose_name_plural = _("lab events")

    def __str__(self) -> str:
        return self.event_id or f"invalid #{self.pk}"
