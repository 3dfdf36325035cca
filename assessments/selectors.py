"""Reads for assessments: who may see what, the clinic queue, and the data calibration needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)

from fitsperfect.export import row_data

from . import calibration, questions
from .models import FPI_ITEM_FIELDS, Assessment, AssessmentPhoto, ClinicMessage, Review

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


def calibration_records(*, version: str = "") -> list[calibration.Reviewed]:
    """Every reviewed assessment with its latest review, as calibration figures need them (one
    query, however many reviews). `version` keeps one model version."""
    latest = (
        Review.objects.filter(assessment=OuterRef("assessment"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    reviews = (
        Review.objects.filter(pk=Subquery(latest), assessment__status__in=VISIBLE_STATUSES)
        .exclude(assessment__model_version="")
        .select_related("assessment")
        .only(
            *(f"{side}_{item}" for side in ("left", "right") for item in FPI_ITEM_FIELDS),
            "decision",
            "assessment__model_version",
            "assessment__band",
            "assessment__left_score",
            "assessment__right_score",
            "assessment__answers",
        )
        .order_by("assessment_id")
    )
    if version:
        reviews = reviews.filter(assessment__model_version=version)
    records = []
    for review in reviews:
        assessment = review.assessment
        answers = questions.to_model_answers(assessment.answers or {})
        records.append(
            calibration.Reviewed(
                assessment_id=assessment.pk,
                model_version=assessment.model_version,
                band=assessment.band,
                decision=review.decision,
                self_scores={"left": assessment.left_score, "right": assessment.right_score},
                self_items={"left": answers.left, "right": answers.right},
                clinician_items={side: review.fpi_items(side) for side in ("left", "right")},
            )
        )
    return records


def calibration_versions() -> list[str]:
    """The model versions that have reviewed assessments, newest first (one query)."""
    versions = (
        Assessment.objects.filter(status__in=VISIBLE_STATUSES, reviews__isnull=False)
        .exclude(model_version="")
        .order_by()
        .values_list("model_version", flat=True)
        .distinct()
    )
    return sorted(set(versions), key=lambda v: (len(v), v), reverse=True)


def clinic_messages() -> QuerySet[ClinicMessage]:
    """Every message to the clinic: waiting ones first, oldest first; then the answered ones,
    most recently answered first."""
    return ClinicMessage.objects.select_related("assessment", "answered_by").order_by(
        F("answered_at").desc(nulls_first=True), "created_at", "pk"
    )


def clinic_messages_waiting() -> QuerySet[ClinicMessage]:
    return ClinicMessage.objects.filter(answered_at__isnull=True).order_by("created_at", "pk")


def clinic_message(message_id: int) -> ClinicMessage | None:
    return (
        ClinicMessage.objects.filter(pk=message_id)
        .select_related("assessment", "answered_by")
        .first()
    )


# --- A person's data (fitsperfect.accounts.privacy: the rights of access and erasure) -----------


def assessments_of_person(*, email: str | None, users) -> QuerySet[Assessment]:
    """The person's assessments: their accounts', and (email given: staff checked who asks)
    those whose contact address is theirs."""
    condition = Q(user__in=users)
    if email is not None:
        condition |= Q(contact_email__iexact=email.strip())
    return Assessment.objects.filter(condition)


def clinic_messages_of_person(*, email: str | None, users, assessments) -> QuerySet[ClinicMessage]:
    """Messages to the clinic written by the person's accounts, from one of their assessment
    results, or (email given: staff-verified requests only) under their address."""
    condition = Q(user__in=users) | Q(assessment__in=assessments)
    if email is not None:
        condition |= Q(email__iexact=email.strip())
    return ClinicMessage.objects.filter(condition)


def assessments_export(*, assessments) -> list[dict]:
    """Answers, results, photo metadata, clinicians' reviews and their questions with the
    customer's replies (no file contents); one query per relation."""
    assessments = list(assessments)
    prefetch_related_objects(assessments, "photos", "reviews", "questions")
    return [
        row_data(a)
        | {
            "photos": [row_data(p) for p in a.photos.all()],
            "reviews": [row_data(r) for r in a.reviews.all()],
            "clinic_questions": [row_data(q) for q in a.questions.all()],
        }
        for a in assessments
    ]


def clinic_messages_export(*, messages) -> list[dict]:
    return [row_data(m) for m in messages]
