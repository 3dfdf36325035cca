"""Which reminder went to whom (at most once each), and who asked for no more."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SentReminder(models.Model):
    class Kind(models.TextChoices):
        SCANS_3_DAYS = "scans_3_days", _("Scans not uploaded, 3 days after payment")
        SCANS_7_DAYS = "scans_7_days", _("Scans not uploaded, 7 days after payment")
        ASSESSMENT_7_DAYS = "assessment_7_days", _("Assessment result not followed up, 7 days")
        DELIVERY_14_DAYS = "delivery_14_days", _("How do they feel, 14 days after delivery")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.ForeignKey(
        "fitsperfect.OutboxEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(order__isnull=False),
                name="reminder_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["assessment", "kind"],
                condition=models.Q(assessment__isnull=False),
                name="reminder_once_per_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.order_id or self.assessment_id})"


class ReminderOptOut(models.Model):
    """An address that clicked "unsubscribe" in a follow-up: no more follow-ups (transactional
    emails about a paid order still go)."""

    email = models.EmailField(_("email"), unique=True)
    created_at = models.DateTimeField(_("unsubscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up opt-out")
        verbose_name_plural = _("follow-up opt-outs")

    def __str__(self) -> str:
        return self.email
