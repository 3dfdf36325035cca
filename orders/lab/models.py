"""The lab hand-off's records: the outbox row per order revision and every delivery from the lab.

The tables were created by the orders app (`orders_labsubmission`, `orders_labevent`) and keep
their names; `LabSubmission.status` changes only through `orders.lab.states.submission_set_status`.
"""

import uuid as uuid_lib

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="lab_submissions"
    )
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
        db_table = "orders_labsubmission"  # created by orders' migrations; the rows stay put
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
        db_table = "orders_labevent"
        ordering = ["-received_at"]
        verbose_name = _("lab event")
        verbose_name_plural = _("lab events")

    def __str__(self) -> str:
        return self.event_id or f"invalid #{self.pk}"
