"""The audit trail: who viewed or changed an assessment, a scan or an order (fitsperfect.audit_trail)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessRecord(models.Model):
    """One view or change of health or order data. Holds ids and field names, never the values
    (the trail must not become a second copy of the health data)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    username = models.CharField(_("username then"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    object_type = models.CharField(_("what"), max_length=60, db_index=True)
    object_id = models.CharField(_("which"), max_length=64, blank=True, db_index=True)
    url_name = models.CharField(_("page"), max_length=120, blank=True)
    method = models.CharField(max_length=8, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    fields = models.JSONField(_("fields changed"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access record")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        who = self.username or _("anonymous")
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type} {self.object_id}"


class ErasureRequest(models.Model):
    """A signed-in customer's request to erase their data (fitsperfect.accounts.services).

    A superuser verifies the person and carries it out from the admin; the request then keeps a
    hash of the email address, not the address."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Erased")
        REFUSED = "refused", _("Could not erase yet")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("account"),
    )
    email = models.CharField(_("email address"), max_length=254, blank=True)
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.CharField(_("handled by"), max_length=150, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {self.requested_at:%Y-%m-%d}"


class OutboxEmail(models.Model):
    """A customer email owed, written in the transaction of the change that owes it and sent by a
    task after commit (fitsperfect.outbox): a lost enqueue is swept up by beat, a send that fails
    for good alerts staff, who resend it from the admin.

    The subject and bodies are rendered when the row is written, so no other app is needed to send
    it (no foreign key: `kind` and `ref` say what it is about). Bodies can be health data (a
    clinician's answer; a result link unlocks answers and photos): the rows are exported and erased
    with the customer's data by recipient address (fitsperfect.accounts.privacy)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text body"))
    html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    ref = models.CharField(_("about"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer email")
        verbose_name_plural = _("customer emails (outbox)")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.get_status_display()}"
