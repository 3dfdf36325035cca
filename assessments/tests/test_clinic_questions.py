"""A clinician asks the customer a question from the assessment page (issue 19): an email with a
signed, expiring reply link that works without signing in; the reply lands on the assessment and
in the clinic's messages. Tampered, foreign and expired links are refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse

from assessments import clinic_questions
from assessments.models import ClinicMessage, ClinicQuestion
from assessments.tests.factories import UserFactory, clinician, submitted
from fitsperfect.models import OutboxEmail
from fitsperfect.tasks import send_outbox_email

pytestmark = pytest.mark.django_db


def ask_url(assessment):
    return reverse("assessments:clinic_question_ask", kwargs={"pk": assessment.pk})


def with_email(**kwargs):
    assessment = submitted(**kwargs)
    assessment.contact_email = "gina@example.com"
    assessment.save(update_fields=["contact_email"])
    return assessment


def reply_path(body: str) -> str:
    return re.search(r"/assessment/reply/\S+/", body).group(0)


def test_a_clinician_asks_and_the_customer_gets_a_reply_link_by_email(client):
    assessment = with_email()
    client.force_login(clinician())
    page = client.get(reverse("assessments:clinic_assessment", args=[assessment.pk]))
    assert (
        "Ask the customer" in page.content.decode() and "gina@example.com" in page.content.decode()
    )
    response = client.post(ask_url(assessment), {"question": "Which shoes do you run in?"})
    assert response.status_code == 302
    question = ClinicQuestion.objects.get()
    assert (question.assessment, question.email) == (assessment, "gina@example.com")
    owed = OutboxEmail.objects.get(kind=clinic_questions.QUESTION_KIND, ref=str(question.pk))
    assert send_outbox_email(owed.pk) == "sent"
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["gina@example.com"]
    assert "Which shoes do you run in?" in body and "14 days" in body
    assert reply_path(body).startswith("/assessment/reply/")


def test_the_customer_replies_without_signing_in_and_the_reply_lands_on_the_assessment(client):
    assessment = with_email()
    nurse = clinician()
    question = clinic_questions.question_ask(
        assessment=assessment, clinician=nurse, question="Does it hurt in the morning?"
    )
    url = reverse("assessments:question_reply", args=[clinic_questions.reply_token(question)])
    page = client.get(url)
    assert page.status_code == 200 and "Does it hurt in the morning?" in page.content.decode()
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    empty = client.post(url, {"reply": ""})
    assert 'class="error-summary"' in empty.content.decode()
    done = client.post(url, {"reply": "Yes, the first steps."})
    assert "your reply has been sent" in done.content.decode()
    question.refresh_from_db()
    assert question.reply == "Yes, the first steps." and question.replied_at is not None
    message = ClinicMessage.objects.get()
    assert message.assessment == assessment and message.message == "Yes, the first steps."
    assert question.reply_message == message
    # A second reply from the same link is not taken.
    again = client.post(url, {"reply": "And in the evening."})
    assert "already replied" in again.content.decode()
    assert ClinicMessage.objects.count() == 1
    # The clinician sees it on the assessment and in the clinic's messages.
    client.force_login(nurse)
    html = client.get(reverse("assessments:clinic_assessment", args=[assessment.pk])).content
    assert "Yes, the first steps." in html.decode()
    day = client.get(reverse("assessments:clinic_queue")).content.decode()
    assert f"Reply to question {question.pk}" in day


def test_a_tampered_or_foreign_link_is_refused(client):
    question = clinic_questions.question_ask(
        assessment=with_email(), clinician=clinician(), question="Q?"
    )
    token = clinic_questions.reply_token(question)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = signing.dumps({"q": question.pk, "a": question.assessment_id}, salt="another-salt")
    wrong_pair = signing.dumps({"q": question.pk, "a": 999999}, salt=clinic_questions.SALT)
    for bad in (tampered, forged, wrong_pair, "nonsense"):
        response = client.get(reverse("assessments:question_reply", args=[bad]))
        assert response.status_code == 404, bad
        assert "This link does not work" in response.content.decode()
        assert (
            client.post(
                reverse("assessments:question_reply", args=[bad]), {"reply": "x"}
            ).status_code
            == 404
        )
    question.refresh_from_db()
    assert question.reply == "" and not ClinicMessage.objects.exists()


def test_an_expired_link_is_refused(client, monkeypatch):
    question = clinic_questions.question_ask(
        assessment=with_email(), clinician=clinician(), question="Q?"
    )
    token = clinic_questions.reply_token(question)
    monkeypatch.setattr(clinic_questions, "REPLY_LINK_MAX_AGE", timedelta(seconds=-1))
    response = client.post(reverse("assessments:question_reply", args=[token]), {"reply": "late"})
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    question.refresh_from_db()
    assert question.replied_at is None


def test_only_clinicians_ask_and_only_where_there_is_an_address(client):
    assessment = submitted()
    assessment.contact_email = ""
    assessment.save(update_fields=["contact_email"])
    with pytest.raises(clinic_questions.QuestionUndeliverable):
        clinic_questions.question_ask(assessment=assessment, clinician=clinician(), question="Q")
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.post(ask_url(assessment), {"question": "Q"}).status_code == 403
    client.force_login(clinician())
    response = client.post(ask_url(with_email()), {"question": ""})
    assert 'href="#id_question"' in response.content.decode()
    assert not ClinicQuestion.objects.exists()


def test_the_account_email_is_used_when_no_contact_address_was_given():
    user = UserFactory(email="owner@example.com")
    assessment = submitted()
    assessment.user = user
    assessment.contact_email = ""
    assessment.save(update_fields=["user", "contact_email"])
    assert clinic_questions.assessment_email(assessment) == "owner@example.com"


def test_erasure_blanks_the_questions_and_replies():
    from assessments import services

    question = clinic_questions.question_ask(
        assessment=with_email(), clinician=clinician(), question="About your heel?"
    )
    clinic_questions.question_reply(question=question, reply="It hurts")
    services.assessment_erase(assessment=question.assessment)
    question.refresh_from_db()
    assert (question.question, question.reply, question.email) == ("", "", "")
