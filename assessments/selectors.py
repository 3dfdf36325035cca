"""Reads for assessments: who may see what, the clinic queue, and calibration figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from . import scoring
from .models import Assessment, AssessmentPhoto, Review

VISIBLE_STATUSES = (
    Assessment.Status.SUBMITTED,
    Assessment.Status.REFERRED,
    Assessment.Status.REVIEWED,
)


def draft_by_token(token: str | None) -> Assessment | None:
    """The draft a session is working on (one query), or None once it is submitted."""
    if not token:
        return None
    return Assessment.objects.filter(token=token, status=Assessment.Status.DRAFT).first()


def result_by_token(token: str) -> Assessment | None:
    """A finished assessment for its token holder; drafts have no result page."""
    return (
        Assessment.objects.filter(token=token, status__in=VISIBLE_STATUSES)
        .prefetch_related("photos")
        .first()
    )


# Only these statuses can back an order; drafts are unfinished and REFERRED is a red flag.
ORDERABLE_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED)


def assessment_may_back_order(*, assessment: Assessment | None) -> bool:
    """The one answer to "may this assessment back an order?" (the reference's gate nobody can
    open). The product page, checkout, the order service, the approval for the lab and the clinic
    all ask here. A red flag or a "refer in person" review closes the assessment for good: later
    reviews are recorded but never reopen it (the person takes a new assessment instead)."""
    if assessment is None:
        return False
    return (
        assessment.status in ORDERABLE_STATUSES
        and not assessment.red_flags
        and assessment.referred_in_person_at is None
        and assessment.decision != Assessment.Decision.REFER_IN_PERSON
    )


def assessment_approved_for_lab(*, assessment: Assessment | None) -> bool:
    """May back an order and a clinician's latest decision approves an orthotic."""
    return (
        assessment_may_back_order(assessment=assessment)
        and assessment.decision == Assessment.Decision.APPROVED
    )


def finished_by_token(token: str) -> Assessment | None:
    """The submitted (or referred) assessment behind a result link, drafts excluded: what the shop
    shows a person arriving with `?assessment=<token>`; whether it may back an order is
    `assessment_may_back_order`'s answer, not this one's."""
    if not token:
        return None
    return Assessment.objects.filter(token=token, status__in=VISIBLE_STATUSES).first()


def assessments_for_user(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(user=user, status__in=VISIBLE_STATUSES).order_by(
        "-submitted_at"
    )


def photo_for_token(token: str, kind: str) -> AssessmentPhoto | None:
    return (
        AssessmentPhoto.objects.filter(assessment__token=token, kind=kind)
        .select_related("assessment")
        .first()
    )


def photo_for_clinic(assessment_id: int, kind: str) -> AssessmentPhoto | None:
    return AssessmentPhoto.objects.filter(
        assessment_id=assessment_id, kind=kind, assessment__status__in=VISIBLE_STATUSES
    ).first()


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    band: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    q: str = ""


def clinic_queue(filters: QueueFilters | None = None) -> QuerySet[Assessment]:
    """Submitted work, red flags first, then high, moderate, the rest; oldest first in each."""
    filters = filters or QueueFilters()
    queryset = Assessment.objects.filter(status__in=VISIBLE_STATUSES).annotate(
        priority=Case(
            When(status=Assessment.Status.REFERRED, urgent=True, then=Value(0)),
            When(status=Assessment.Status.REFERRED, then=Value(1)),
            When(band=Assessment.Band.HIGH, then=Value(2)),
            When(band=Assessment.Band.MODERATE, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.band:
        queryset = queryset.filter(band=filters.band)
    if filters.submitted_from:
        queryset = queryset.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        queryset = queryset.filter(submitted_at__date__lte=filters.submitted_to)
    if filters.q:
        term = filters.q.strip()
        condition = Q(contact_email__icontains=term) | Q(source_article_slug__icontains=term)
        if term.lstrip("#").isdigit():
            condition |= Q(pk=int(term.lstrip("#")))
        queryset = queryset.filter(condition)
    return queryset.order_by("priority", "submitted_at", "pk")


def clinic_assessment(assessment_id: int) -> Assessment | None:
    return (
        Assessment.objects.filter(pk=assessment_id, status__in=VISIBLE_STATUSES)
        .prefetch_related(
            "photos",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
        )
        .first()
    )


@dataclass
class Calibration:
    """How self-scores compare with clinicians' FPI ratings (items 2-6, rescaled the same way)."""

    reviewed: int = 0
    per_band: dict = field(default_factory=dict)  # result band -> count of reviewed assessments
    decisions_per_band: dict = field(default_factory=dict)  # band -> Counter of decisions
    feet_compared: int = 0
    posture_band_agreement: int = 0  # same posture band, self vs clinician
    within_two_points: int = 0
    mean_absolute_difference: float | None = None
    confusion: dict = field(default_factory=dict)  # (self band, clinician band) -> count

    @property
    def agreement_rate(self) -> float | None:
        return self.posture_band_agreement / self.feet_compared if self.feet_compared else None


def calibration() -> Calibration:
    """Compare each reviewed assessment's self-scores with its latest review."""
    latest: dict[int, Review] = {}
    for review in Review.objects.select_related("assessment").order_by("created_at", "pk"):
        latest[review.assessment_id] = review
    figures = Calibration()
    per_band: Counter = Counter()
    decisions: dict[str, Counter] = {}
    confusion: Counter = Counter()
    differences = []
    for review in latest.values():
        assessment = review.assessment
        band = assessment.band or "referred"
        per_band[band] += 1
        decisions.setdefault(band, Counter())[review.decision] += 1
        for side, self_score in (
            ("left", assessment.left_score),
            ("right", assessment.right_score),
        ):
            clinician = scoring.foot_score(side, review.fpi_items(side))
            if self_score is None or clinician.score is None:
                continue
            self_band = scoring.posture_band(self_score)
            figures.feet_compared += 1
            confusion[(self_band, clinician.posture_band)] += 1
            if self_band == clinician.posture_band:
                figures.posture_band_agreement += 1
            difference = abs(self_score - clinician.score)
            differences.append(difference)
            if difference <= 2:
                figures.within_two_points += 1
    figures.reviewed = len(latest)
    figures.per_band = dict(per_band)
    figures.decisions_per_band = {band: dict(counter) for band, counter in decisions.items()}
    figures.confusion = dict(confusion)
    if differences:
        figures.mean_absolute_difference = round(sum(differences) / len(differences), 2)
    return figures
