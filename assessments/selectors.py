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


def orderable_assessment(token: str) -> Assessment | None:
    """The assessment an order may carry (`?assessment=<token>`): submitted or reviewed, with no
    red flag and not referred in person by a clinician. Orders still wait for `is_approved`."""
    if not token:
        return None
    return (
        Assessment.objects.filter(
            token=token,
            status__in=(Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED),
            red_flags=[],
        )
        .exclude(decision=Assessment.Decision.REFER_IN_PERSON)
        .first()
    )


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
