"""A clinician asks the customer a question about their assessment; the customer answers from
the email's link, without signing in.

The link carries a signed token (`django.core.signing`, its own salt, timestamped): tampering
breaks the signature, and it expires after `REPLY_LINK_MAX_AGE`. One reply per question. The reply
is stored on the question and as a `ClinicMessage` linked to the assessment, so it shows in the
clinic's messages with the others.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect.outbox import outbox_email_queue

from .models import Assessment, ClinicMessage, ClinicQuestion
from .services import can_review

SALT = "assessments.clinic-question.reply"
REPLY_LINK_MAX_AGE = timedelta(days=14)
QUESTION_KIND = "clinic-question"


class QuestionUndeliverable(ValueError):
    """The assessment has no email address to send the question to."""


class ReplyLinkInvalid(Exception):
    """The reply link was changed, or names no question."""


class ReplyLinkExpired(ReplyLinkInvalid):
    """The reply link is older than `REPLY_LINK_MAX_AGE`."""


class QuestionAlreadyAnswered(Exception):
    """The customer has replied already: one reply per question."""


def assessment_email(assessment: Assessment) -> str:
    """Where a clinician's question goes: the address the customer gave, else their account's."""
    if assessment.contact_email:
        return assessment.contact_email
    return getattr(assessment.user, "email", "") or ""


def reply_token(question: ClinicQuestion) -> str:
    return signing.dumps({"q": question.pk, "a": question.assessment_id}, salt=SALT)


def reply_url(question: ClinicQuestion) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "assessments:question_reply", kwargs={"token": reply_token(question)}
    )


def question_by_token(token: str) -> ClinicQuestion:
    """The question a reply link names; `ReplyLinkExpired` or `ReplyLinkInvalid` otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=REPLY_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ReplyLinkExpired from exc
    except signing.BadSignature as exc:
        raise ReplyLinkInvalid from exc
    if not isinstance(data, dict):
        raise ReplyLinkInvalid
    question = (
        ClinicQuestion.objects.select_related("assessment")
        .filter(pk=data.get("q"), assessment_id=data.get("a"))
        .first()
    )
    if question is None:
        raise ReplyLinkInvalid
    return question


@transaction.atomic
def question_ask(
    *, assessment: Assessment, clinician: AbstractBaseUser, question: str
) -> ClinicQuestion:
    """Records the question and owes the customer an email with the reply link (sent after
    commit, through the outbox)."""
    if not can_review(clinician):
        raise PermissionDenied(_("Only clinicians can ask customers questions."))
    email = assessment_email(assessment)
    if not email:
        raise QuestionUndeliverable(
            _("This assessment has no email address: the customer cannot be asked from here.")
        )
    asked = ClinicQuestion.objects.create(
        assessment=assessment, asked_by=clinician, question=question, email=email
    )
    outbox_email_queue(
        to=email,
        subject=_("A question from your Fits Perfect clinician"),
        text=render_to_string(
            "assessments/email/clinic_question.txt",
            {
                "question": asked,
                "url": reply_url(asked),
                "days": REPLY_LINK_MAX_AGE.days,
            },
        ),
        kind=QUESTION_KIND,
        ref=str(asked.pk),
    )
    return asked


@transaction.atomic
def question_reply(*, question: ClinicQuestion, reply: str) -> ClinicMessage:
    """The customer's answer: on the question, and a message for the clinic's list."""
    fresh = (
        ClinicQuestion.objects.select_for_update().select_related("assessment").get(pk=question.pk)
    )
    if fresh.is_answered:
        raise QuestionAlreadyAnswered
    message = ClinicMessage.objects.create(
        assessment=fresh.assessment,
        user=fresh.assessment.user,
        name=_("Reply to question %(id)s") % {"id": fresh.pk},
        email=fresh.email,
        message=reply,
    )
    fresh.reply = reply
    fresh.replied_at = timezone.now()
    fresh.reply_message = message
    fresh.save(update_fields=["reply", "replied_at", "reply_message"])
    return message
