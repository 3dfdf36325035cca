"""Writes for assessments: drafts, submission, photos, the result-link email and clinician reviews.

Views, admin, tasks and demo data call these; nothing else changes an assessment's state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect.images import SanitisedImage, sanitise_photo
from fitsperfect.outbox import outbox_email_queue

from . import footprint, questions, scoring
from .consent import ConsentMissing, HealthDataConsent
from .models import Assessment, AssessmentPhoto, ClinicMessage, Review
from .signals import assessment_approved, assessment_closed

REVIEW_PERMISSION = "assessments.review_assessment"


class AssessmentNotEditable(Exception):
    """The assessment was already submitted or referred: its answers are frozen."""


class AssessmentClosedForOrders(ValueError):
    """A red flag or an in-person referral ended this assessment: no review can approve it."""


CLINICIANS_GROUP = "Clinicians"
CLINICIAN_PERMISSIONS = ("review_assessment", "view_assessment", "add_review", "view_review")


def clinicians_group() -> Group:
    """The Clinicians group with its permissions (the data migration makes it; this repairs it,
    e.g. after a test database flush, and is what demo data uses)."""
    group, _created = Group.objects.get_or_create(name=CLINICIANS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="assessments", codename__in=CLINICIAN_PERMISSIONS
        )
    )
    return group


def can_review(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(REVIEW_PERMISSION))


def is_clinician(user) -> bool:
    """A member of the Clinicians group: a superuser's every-permission does not make a clinician,
    and only a clinician approves an order for the lab."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.groups.filter(name=CLINICIANS_GROUP).exists()
    )


def assessment_start_draft(
    *,
    consent: HealthDataConsent | None,
    user: AbstractBaseUser | None = None,
    source_article_slug: str = "",
    answers: dict | None = None,
) -> Assessment:
    """A new draft row: progress lives server-side from the first answered step, whose answers
    come in the same INSERT.

    The person's consent to store health data comes first; without it nothing is stored.
    """
    if consent is None:
        raise ConsentMissing
    return Assessment.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        source_article_slug=source_article_slug[:200],
        answers=answers or {},
        health_data_consent_at=consent.at,
        health_data_consent_version=consent.version,
        health_data_consent_language=consent.language,
    )


def _require_consent(assessment: Assessment) -> None:
    if assessment.health_data_consent_at is None or not assessment.health_data_consent_version:
        raise ConsentMissing


def assessment_save_step(*, assessment: Assessment, step_key: str, data: dict) -> Assessment:
    """Store one step's answers (JSON-ready) on the draft; one UPDATE, whatever the step."""
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable
    assessment.answers = {**assessment.answers, step_key: data}
    assessment.save(update_fields=["answers", "updated_at"])
    return assessment


def score_answers(
    answers: dict, *, version: str = scoring.MODEL_VERSION
) -> scoring.Result | scoring.ResultV2:
    """Re-scorable at any time from the stored item-level answers, with any model version."""
    return scoring.score_for(questions.to_model_answers(answers), version=version)


def red_flags_in(answers: dict) -> tuple[str, ...]:
    return scoring.red_flags_for(questions.to_model_answers(answers))


@transaction.atomic
def assessment_refer(*, assessment: Assessment) -> Assessment:
    """A red flag stops the flow: store the flags, no score, no product, and route to a clinician."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable
    _require_consent(assessment)
    result = score_answers(assessment.answers)
    if not result.referred:
        raise ValueError("assessment_refer needs a red flag")
    _apply_result(assessment, result)
    assessment.status = Assessment.Status.REFERRED
    assessment.submitted_at = timezone.now()
    assessment.save()
    return assessment


@transaction.atomic
def assessment_submit(
    *,
    assessment: Assessment,
    contact_email: str = "",
    user: AbstractBaseUser | None = None,
    model_version: str = scoring.MODEL_VERSION,
) -> Assessment:
    """Score and submit in one transaction; a red flag found now still refers instead.

    A signed-in person's account is linked, so they can find the result again without the link.
    `model_version` is for demo data and tests of results stored by an earlier model.
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable
    _require_consent(assessment)
    if questions.first_incomplete_step(assessment.answers) is not None:
        raise ValueError("Every step must be answered before submitting.")
    result = score_answers(assessment.answers, version=model_version)
    _apply_result(assessment, result)
    assessment.contact_email = contact_email
    if assessment.user_id is None and user is not None and user.is_authenticated:
        assessment.user = user
    assessment.status = (
        Assessment.Status.REFERRED if result.referred else Assessment.Status.SUBMITTED
    )
    assessment.suggested_product_slug = questions.suggest_product(assessment.answers, result)
    assessment.submitted_at = timezone.now()
    assessment.save()
    if contact_email:
        result_link_queue(assessment=assessment)
    return assessment


def _apply_result(assessment: Assessment, result: scoring.Result | scoring.ResultV2) -> None:
    assessment.model_version = result.model_version
    assessment.red_flags = list(result.red_flags)
    assessment.urgent = result.urgent
    # v2 has no band when no foot is readable; the column keeps its "not enough" value for it.
    assessment.band = result.band or (
        "" if result.referred else Assessment.Band.NOT_ENOUGH_INFORMATION
    )
    assessment.left_score = result.left.score if result.left else None
    assessment.right_score = result.right.score if result.right else None
    assessment.load_score = result.load_score
    assessment.asymmetry = result.asymmetry
    assessment.result = scoring.snapshot(result)
    if result.referred:
        assessment.suggested_product_slug = ""


@transaction.atomic
def assessment_photo_save(
    *,
    assessment: Assessment,
    kind: str,
    upload: BinaryIO | None = None,
    image: SanitisedImage | None = None,
) -> AssessmentPhoto:
    """Keep a sanitised photo privately (random name); replaces an earlier photo of that kind.

    Pass the raw `upload` (sanitised here; raises `PhotoRejected` with a message for the person)
    or an `image` a form has already sanitised.
    """
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable
    clean = image if image is not None else sanitise_photo(upload)
    old = AssessmentPhoto.objects.filter(assessment=assessment, kind=kind).first()
    if old is not None:
        old_file = old.file
        old.delete()
        transaction.on_commit(lambda: old_file.storage.delete(old_file.name))
    photo = AssessmentPhoto(
        assessment=assessment,
        kind=kind,
        content_type=clean.content_type,
        width=clean.width,
        height=clean.height,
        arch_index=_arch_index(clean.content) if kind == AssessmentPhoto.Kind.FOOTPRINT else None,
    )
    photo.file.save(f"photo.{clean.extension}", ContentFile(clean.content), save=False)
    photo.save()
    return photo


def _arch_index(content: bytes) -> float | None:
    """Supporting evidence only; an unreadable print is simply left for the clinician."""
    try:
        return footprint.arch_index_from_image(content).value
    except footprint.FootprintUnreadable:
        return None


@transaction.atomic
def assessment_photo_delete(*, assessment: Assessment, kind: str) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentNotEditable
    photo = AssessmentPhoto.objects.filter(assessment=assessment, kind=kind).first()
    if photo is not None:
        stored = photo.file
        photo.delete()
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


LINK_EMAILS_PER_HOUR = 5


class TooManyLinkEmails(Exception):
    """The result link was emailed too often in the last hour (the form could be used for spam)."""


DRAFT_RETENTION = timedelta(days=30)


@transaction.atomic
def assessment_drafts_purge(*, older_than: timedelta = DRAFT_RETENTION) -> int:
    """Delete drafts nobody has touched for a while, with their photos: health data we should
    not keep for an assessment that was never sent. Returns how many drafts went."""
    cutoff = timezone.now() - older_than
    drafts = Assessment.objects.filter(status=Assessment.Status.DRAFT, updated_at__lt=cutoff)
    names = list(
        AssessmentPhoto.objects.filter(assessment__in=drafts).values_list("file", flat=True)
    )
    count = drafts.count()
    drafts.delete()
    storage = AssessmentPhoto._meta.get_field("file").storage

    def remove_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return count


@transaction.atomic
def assessment_revoke_token(*, assessment: Assessment) -> Assessment:
    """A new result token: a leaked or forwarded result link stops working at once.

    The change itself is recorded by the audit trail (who, when, which field).
    """
    from .models import new_token

    assessment.token = new_token()
    assessment.save(update_fields=["token"])
    return assessment


@transaction.atomic
def assessment_request_link_email(*, assessment: Assessment, email: str) -> None:
    """Remember the address and send the result link once this transaction commits."""
    key = f"assessment-link-emails:{assessment.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    if sent > LINK_EMAILS_PER_HOUR:
        raise TooManyLinkEmails

    Assessment.objects.filter(pk=assessment.pk).update(contact_email=email)
    assessment.contact_email = email
    result_link_queue(assessment=assessment)


RESULT_LINK_KIND = "assessment-result-link"
CLINIC_ANSWER_KIND = "clinic-answer"


def result_link_queue(*, assessment: Assessment) -> bool:
    """Owe the person an email with the private link to their result (the link only, no answers),
    as an outbox row in the caller's transaction. False if there is no address."""
    if not assessment.contact_email:
        return False
    url = settings.SITE_URL + reverse("assessments:result", kwargs={"token": assessment.token})
    outbox_email_queue(
        to=assessment.contact_email,
        subject=_("Your Fits Perfect foot assessment"),
        text=render_to_string("assessments/email/result_link.txt", {"url": url}),
        kind=RESULT_LINK_KIND,
        ref=str(assessment.pk),
    )
    return True


@transaction.atomic
def review_create(
    *,
    assessment: Assessment,
    reviewer: AbstractBaseUser,
    decision: str,
    notes: str = "",
    fpi: dict[str, int | None] | None = None,
) -> Review:
    """Record a clinician's review. Revisions add a new row; the assessment mirrors the latest.

    `fpi` maps "left_<item>"/"right_<item>" (FPI items 2-6) to -2..+2 or None (not scored).
    Approval is announced with `assessment_approved` after commit, so orders can go to the lab.
    """
    if not can_review(reviewer):
        raise PermissionDenied(_("Only clinicians can review assessments."))
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == Assessment.Status.DRAFT:
        raise ValueError("A draft cannot be reviewed.")
    valid = {choice for choice, _label in Assessment.Decision.choices if choice}
    if decision not in valid:
        raise ValueError(f"Unknown decision {decision!r}")
    closed = assessment.is_referred or assessment.status == Assessment.Status.REFERRED
    if closed and decision == Assessment.Decision.APPROVED:
        raise AssessmentClosedForOrders(
            _(
                "This assessment ended in a referral, so it cannot be approved. If you think an "
                "orthotic is safe, ask the person to take a new assessment."
            )
        )
    review = Review(
        assessment=assessment,
        reviewer=reviewer,
        decision=decision,
        previous_decision=assessment.decision,
        notes=notes,
    )
    for key, value in (fpi or {}).items():
        side, _sep, item = key.partition("_")
        if side not in ("left", "right") or item not in scoring.POSTURE_ITEMS:
            raise ValueError(f"Unknown FPI item {key!r}")
        if value is not None and not -2 <= value <= 2:
            raise ValueError(f"{key} must be between -2 and +2")
        setattr(review, key, value)
    review.save()
    assessment.decision = decision
    newly_referred = (
        decision == Assessment.Decision.REFER_IN_PERSON and assessment.referred_in_person_at is None
    )
    if newly_referred:
        assessment.referred_in_person_at = timezone.now()
    # A red-flag referral stays REFERRED: the review is recorded, the referral stands.
    if assessment.status != Assessment.Status.REFERRED:
        assessment.status = Assessment.Status.REVIEWED
    assessment.save(update_fields=["decision", "status", "referred_in_person_at", "updated_at"])
    if newly_referred:
        # In this transaction: orders approved on an earlier review lose that approval now.
        assessment_closed.send(sender=Assessment, assessment=assessment, reviewer=reviewer)
    if decision == Assessment.Decision.APPROVED:
        transaction.on_commit(
            lambda: assessment_approved.send(
                sender=Assessment, assessment=assessment, reviewer=reviewer
            )
        )
    return review


@transaction.atomic
def assessment_erase(*, assessment: Assessment) -> tuple[int, int, list[tuple]]:
    """A customer's right to erasure (`fitsperfect.accounts.privacy`): answers, result, red flags, email and
    account link blanked, a new link token, photos deleted, clinicians' notes blanked. Returns
    (photos, reviews, files): the (storage, name) of each photo file, for the caller to delete once
    its transaction commits."""
    from .models import new_token

    files = [
        (p.file.storage, p.file.name) for p in assessment.photos.all() if p.file and p.file.name
    ]
    photos = assessment.photos.count()
    assessment.photos.all().delete()
    reviews = assessment.reviews.update(notes="")
    assessment.questions.update(question="", reply="", email="")
    assessment.answers = {}
    assessment.result = {}
    assessment.red_flags = []
    assessment.contact_email = ""
    assessment.user = None
    assessment.token = new_token()
    assessment.save()
    return photos, reviews, files


# --- Messages to the clinic ("talk to a clinician") ---------------------------------------------


class MessageAlreadyAnswered(Exception):
    """Another clinician answered first: one answer per message, emailed once."""


def clinic_message_create(
    *,
    name: str,
    email: str,
    message: str,
    assessment: Assessment | None = None,
    user: AbstractBaseUser | None = None,
) -> ClinicMessage:
    """Store a customer's question for the clinicians (linked to their assessment if any)."""
    return ClinicMessage.objects.create(
        name=name,
        email=email,
        message=message,
        assessment=assessment,
        user=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def clinic_message_answer(
    *, message: ClinicMessage, clinician: AbstractBaseUser, answer: str
) -> ClinicMessage:
    """Record a clinician's answer and owe the person an email of it (an outbox row, sent once
    this transaction commits; `answer_sent_at` is set when that email is sent)."""
    if not can_review(clinician):
        raise PermissionDenied(_("Only clinicians can answer messages."))
    message = ClinicMessage.objects.select_for_update().get(pk=message.pk)
    if message.is_answered:
        raise MessageAlreadyAnswered
    message.answer = answer
    message.answered_at = timezone.now()
    message.answered_by = clinician
    message.save(update_fields=["answer", "answered_at", "answered_by"])
    if message.email:
        outbox_email_queue(
            to=message.email,
            subject=_("An answer from a Fits Perfect clinician"),
            text=render_to_string(
                "assessments/email/clinic_answer.txt",
                {
                    "message": message,
                    "contact_url": settings.SITE_URL + reverse("assessments:message"),
                },
            ),
            kind=CLINIC_ANSWER_KIND,
            ref=str(message.pk),
        )
    return message


def clinic_answer_record_sent(*, email) -> int:
    """`outbox_email_sent` receiver: the answer's email went, so `answer_sent_at` is the time it
    was sent (in the transaction that marks the outbox row SENT), not the time it was queued."""
    if email.kind != CLINIC_ANSWER_KIND or not email.ref.isdigit():
        return 0
    return ClinicMessage.objects.filter(pk=int(email.ref), answer_sent_at__isnull=True).update(
        answer_sent_at=email.sent_at
    )


def clinic_messages_erase(*, messages) -> int:
    """A customer's right to erasure: their messages to the clinic go, one by one so the audit
    trail records each (`fitsperfect.accounts.privacy` finds them with
    `selectors.clinic_messages_of_person`)."""
    messages = list(messages)
    for message in messages:
        message.delete()
    return len(messages)
