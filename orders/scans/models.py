"""Foot scans and photos: one row per uploaded revision, private files under random names.

The tables were created by the orders app (`orders_scan`, `orders_footphoto`) and keep their names;
`Scan.status` changes only through `orders.scans.states.scan_set_status`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fitsperfect.audit_trail import AuditedQuerySet


def _private_name(folder: str, extension: str) -> str:
    """A random storage name: the customer's file name never reaches the disk."""
    import uuid

    extension = "".join(ch for ch in extension.lower() if ch.isalnum())[:8]
    return f"{folder}/{uuid.uuid4().hex}{'.' + extension if extension else ''}"


def scan_upload_to(instance, filename: str) -> str:
    return _private_name("scans", instance.file_format or filename.rsplit(".", 1)[-1])


def scan_preview_upload_to(instance, filename: str) -> str:
    return _private_name("scan-previews", "png")


def scan_viewer_upload_to(instance, filename: str) -> str:
    return _private_name("scan-viewer", "stl")


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

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="scans")
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
    # What the analysis says (orders.scans.meshes): the foot itself or a foam/plaster impression,
    # and whether its scale is known ("resolved"), unknown, or was set by staff.
    kind = models.CharField(_("kind of scan"), max_length=16, blank=True)
    scale_status = models.CharField(_("scale"), max_length=16, blank=True, db_index=True)
    # A light copy of the mesh (binary STL, foot frame, mm) for the 3D view of staff and clinicians.
    viewer_mesh = models.FileField(upload_to=scan_viewer_upload_to, max_length=200, blank=True)
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
        db_table = "orders_scan"  # created by orders' migrations; the rows stay put
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

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="foot_photos")
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
        db_table = "orders_footphoto"
        ordering = ["order", "role", "-created_at"]
        verbose_name = _("foot photo")
        verbose_name_plural = _("foot photos")

    def __str__(self) -> str:
        return f"{self.order_id} {self.role}"
