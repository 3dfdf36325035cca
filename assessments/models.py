"""Stored assessments. Health data: only the token holder, the owner and clinicians may read them."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fitsperfect.audit_trail import AuditedQuerySet

from .scoring import POSTURE_ITEMS


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
    # Set by the first "refer in person" review and never cleared: that referral is final for this
    # assessment whatever later reviews say (selectors.assessment_may_back_order).
    referred_in_person_at = models.DateTimeField(null=True, blank=True, editable=False)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # Item-level answers as given, keyed by step ("about", "pain", "red_flags", "left", "right",
    # "activity"): with `model_version` they let any result be explained and re-scored later.
    answers = models.JSONField(default=dict, blank=True)
    model_version = models.CharField(max_length=16, blank=True)
    # Per-foot posture score A, unrounded (v2 compares it unrounded; v1 stored whole numbers).
    left_score = models.FloatField(null=True, blank=True)
    right_score = models.FloatField(null=True, blank=True)
    load_score = models.SmallIntegerField(null=True, blank=True)
    asymmetry = models.BooleanField(default=False)
    red_flags = models.JSONField(default=list, blank=True)
    urgent = models.BooleanField(default=False)
    # The scoring output (drivers, load factors...) as computed at submission.
    result = models.JSONField(default=dict, blank=True)
    # The article the person came from, as a slug (the content app is not imported).
    source_article_slug = models.CharField(max_length=200, blank=True)
    # Consent to store and review health data (assessments.consent): when, which wording, which
    # language. Given before the first answer is stored; submission refuses a draft without it.
    health_data_consent_at = models.DateTimeField(
        _("health data consent given"), null=True, blank=True
    )
    health_data_consent_version = models.CharField(
        _("consent wording version"), max_length=60, blank=True
    )
    health_data_consent_language = models.CharField(
        _("consent language"), max_length=16, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes reach the audit trail too

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        permissions = [("review_assessment", _("Can review assessments as a clinician"))]

    def __str__(self) -> str:
        return _("Assessment %(id)s") % {"id": self.pk}

    @property
    def is_approved(self) -> bool:
        """True when the latest clinician decision is an approval (which a closed assessment
        never gets: see services.review_create)."""
        return self.decision == self.Decision.APPROVED

    def audit_skipped(self) -> bool:
        """A visitor's own unsent draft is not audited; it is recorded once submitted."""
        return self.status == self.Status.DRAFT

    @property
    def is_referred(self) -> bool:
        """A red flag or a clinician's "refer in person": final, whatever happens later."""
        return bool(self.red_flags) or self.referred_in_person_at is not None


def photo_path(instance: "AssessmentPhoto", filename: str) -> str:
    """A random name: nothing about the person or the original file leaks into storage paths."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"assessment-photos/{secrets.token_hex(16)}.{extension}"


class AssessmentPhoto(models.Model):
    """An optional foot photo, sanitised (no EXIF) and kept in private storage."""

    class Kind(models.TextChoices):
        LEFT_BEHIND = "left_behind", _("Left foot from behind")
        RIGHT_BEHIND = "right_behind", _("Right foot from behind")
        FOOTPRINT = "footprint", _("Wet footprint")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Footprint photos only: Cavanagh & Rodgers arch index, None when the print could not be read.
    arch_index = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="one_photo_per_kind")
        ]
        verbose_name = _("assessment photo")
        verbose_name_plural = _("assessment photos")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.assessment_id})"

    @property
    def arch_category(self) -> str:
        from .footprint import category_for

        return category_for(self.arch_index) if self.arch_index is not None else ""


# The review records the same FPI items the self-report asks (defined once, in scoring).
FPI_ITEM_FIELDS = POSTURE_ITEMS


def _fpi_item(verbose_name):
    return models.SmallIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
    )


class Review(models.Model):
    """One clinician review. Revisions add a new review; the assessment mirrors the latest decision.

    The clinician's FPI rating covers items 2-6 per foot (from the photos); item 1, talar head
    palpation, needs hands on the foot and is always recorded as not scored.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    left_ankle_curves = _fpi_item(_("left: curves at the outer ankle (FPI 2)"))
    left_heel_tilt = _fpi_item(_("left: heel tilt (FPI 3)"))
    left_midfoot_bulge = _fpi_item(_("left: inner midfoot bulge (FPI 4)"))
    left_arch_height = _fpi_item(_("left: inner arch (FPI 5)"))
    left_toes_from_behind = _fpi_item(_("left: toes seen from behind (FPI 6)"))
    right_ankle_curves = _fpi_item(_("right: curves at the outer ankle (FPI 2)"))
    right_heel_tilt = _fpi_item(_("right: heel tilt (FPI 3)"))
    right_midfoot_bulge = _fpi_item(_("right: inner midfoot bulge (FPI 4)"))
    right_arch_height = _fpi_item(_("right: inner arch (FPI 5)"))
    right_toes_from_behind = _fpi_item(_("right: toes seen from behind (FPI 6)"))
    previous_decision = models.CharField(
        max_length=32, choices=Assessment.Decision.choices, blank=True
    )
    decision = models.CharField(
        max_length=32, choices=[c for c in Assessment.Decision.choices if c[0]]
    )
    notes = models.TextField(blank=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes reach the audit trail too

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clinician review")
        verbose_name_plural = _("clinician reviews")

    def __str__(self) -> str:
        return _("Review of assessment %(id)s") % {"id": self.assessment_id}

    @property
    def talar_head_palpation(self) -> None:
        """FPI item 1 is never scored remotely."""
        return None

    def fpi_items(self, side: str) -> dict[str, int | None]:
        return {item: getattr(self, f"{side}_{item}") for item in FPI_ITEM_FIELDS}

    def fpi_total(self, side: str) -> int | None:
        """Sum of the scored items 2-6 (-10..+10, the same scale as the self-score)."""
        values = [v for v in self.fpi_items(side).values() if v is not None]
        return sum(values) if values else None


class ClinicMessage(models.Model):
    """A customer's question to the clinic ("talk to a clinician first"), and a clinician's answer.

    Health data: only clinicians read it (the clinic pages), and the answer goes to `email`.
    Linked to the assessment when written from its result page, so the clinician sees the answers.
    """

    assessment = models.ForeignKey(
        Assessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinic_messages",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"))
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the answer email went out (the task sets it; a retry never sends twice).
    answer_sent_at = models.DateTimeField(null=True, blank=True)

    objects = AuditedQuerySet.as_manager()  # bulk writes reach the audit trail too

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message to the clinic")
        verbose_name_plural = _("messages to the clinic")
        indexes = [models.Index(fields=["answered_at", "created_at"])]

    def __str__(self) -> str:
        return _("Message %(id)s") % {"id": self.pk}

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class ClinicQuestion(models.Model):
    """A clinician's question to the customer about their assessment, emailed with a reply link
    (signed, expiring, works without signing in). The reply lands here and, as a message, in the
    clinic's list (`reply_message`)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(_("question"))
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_message = models.OneToOneField(
        ClinicMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="question"
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clinician's question")
        verbose_name_plural = _("clinicians' questions")

    def __str__(self) -> str:
        return _("Question %(id)s") % {"id": self.pk}

    @property
    def is_answered(self) -> bool:
        return self.replied_at is not None
