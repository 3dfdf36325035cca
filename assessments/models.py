"""Stored assessments. Health data: only the token holder, the owner and clinicians may read them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    """A 256-bit URL-safe token: the only key to an anonymous person's result."""
    return secrets.token_urlsafe(32)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        REFERRED = "referred", _("Referred (red flag)")
        REVIEWED = "reviewed", _("Reviewed")

    class Band(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")
        NOT_ENOUGH_INFORMATION = "not_enough_information", _("Not enough information")

    class Decision(models.TextChoices):
        NONE = "", _("Not reviewed yet")
        APPROVED = "approved", _("Approved for orthotic")
        NEEDS_INFORMATION = "needs_information", _("Needs more information")
        REFER_IN_PERSON = "refer_in_person", _("Refer in person")

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    band = models.CharField(max_length=32, choices=Band.choices, blank=True)
    # The catalogue product this result suggests ("everyday", "sport", "dress"), or blank.
    suggested_product_slug = models.SlugField(blank=True)
    # The latest clinician decision; the full history lives in the review records.
    decision = models.CharField(max_length=32, choices=Decision.choices, blank=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return _("Assessment %(id)s") % {"id": self.pk}

    @property
    def is_approved(self) -> bool:
        """True when the latest clinician decision lets a linked order go to the lab."""
        return self.decision == self.Decision.APPROVED
