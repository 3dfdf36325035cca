"""Consent to store health data: asked before the first answer, recorded with time, wording
version and language on every assessment, and required by submission and referral."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.consent import HEALTH_DATA_CONSENT_VERSION, SESSION_CONSENT, ConsentMissing
from assessments.models import Assessment
from assessments.tests.factories import DraftFactory, complete_answers
from assessments.tests.steps import answer_all as answer_steps
from assessments.views import SESSION_ANSWERS

pytestmark = pytest.mark.django_db

CONSENT_URL = "/assessment/your-health-information/"
FIRST_STEP = "/assessment/questions/about-you/"
ABOUT = {"age": "44", "sex": "female"}


def test_question_pages_send_a_new_visitor_to_the_consent_page_first():
    visitor = Client()
    response = visitor.get(FIRST_STEP)
    assert response.status_code == 302 and response.url == CONSENT_URL
    response = visitor.post(FIRST_STEP, ABOUT)
    assert response.status_code == 302 and response.url == CONSENT_URL
    assert not Assessment.objects.exists()  # nothing stored without consent


def test_the_consent_page_is_a_question_page_that_keeps_the_visitor_on_an_error():
    visitor = Client()
    page = visitor.get(CONSENT_URL).content.decode()
    assert "<h1>Before you start: your health information</h1>" in page
    assert '<label class="form-check-label" for="id_agree">' in page
    assert "we delete them after 30 days" in page
    response = visitor.post(CONSENT_URL, {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Select the box to agree" in html
    assert 'href="#id_agree"' in html  # the error summary links to the box
    assert SESSION_CONSENT not in visitor.session


def test_consent_is_recorded_on_the_draft_with_time_version_and_language():
    visitor = Client()
    response = visitor.post(CONSENT_URL, {"agree": "on"})
    assert response.status_code == 302 and response.url == FIRST_STEP
    assert visitor.post(FIRST_STEP, ABOUT).status_code == 302
    assert not Assessment.objects.exists()  # answers stay in the session until the photos step
    answer_steps(visitor, until="photos")
    assert visitor.post(reverse("assessments:step", args=["photos"]), {}).status_code == 302
    draft = Assessment.objects.get()
    assert draft.health_data_consent_version == HEALTH_DATA_CONSENT_VERSION
    assert draft.health_data_consent_language == "en-gb"
    given = visitor.session[SESSION_CONSENT]["at"]
    assert draft.health_data_consent_at.isoformat() == given


def test_consent_to_an_older_wording_is_asked_again():
    visitor = Client()
    session = visitor.session
    session[SESSION_CONSENT] = {"version": "assessment-health-data-1999", "at": "x"}
    session.save()
    assert visitor.get(FIRST_STEP).url == CONSENT_URL


def test_a_lost_draft_without_consent_goes_back_to_the_consent_page():
    """The session names a draft that was purged, and no consent was given in this visit."""
    visitor = Client()
    session = visitor.session
    session["assessment_draft_token"] = "purged-long-ago"
    session.save()
    response = visitor.post(FIRST_STEP, ABOUT)
    assert response.status_code == 302 and response.url == CONSENT_URL
    assert not Assessment.objects.exists()
    assert SESSION_ANSWERS not in visitor.session  # nor kept in the session


def test_services_refuse_to_store_or_submit_without_consent():
    with pytest.raises(ConsentMissing):
        services.assessment_start_draft(consent=None)
    draft = DraftFactory(answers=complete_answers(), health_data_consent_at=None)
    with pytest.raises(ConsentMissing):
        services.assessment_submit(assessment=draft)
    flagged = DraftFactory(
        answers=complete_answers(flags=("nerve_symptoms",)), health_data_consent_version=""
    )
    with pytest.raises(ConsentMissing):
        services.assessment_refer(assessment=flagged)
    assert not Assessment.objects.exclude(status=Assessment.Status.DRAFT).exists()


def test_check_your_answers_says_when_consent_was_given(client):
    answer_steps(client)
    draft = Assessment.objects.get()
    html = client.get(reverse("assessments:check")).content.decode()
    assert f"On {draft.health_data_consent_at:%-d %B %Y} you agreed" in html
