"""The questionnaire: steps, validation, server-side progress, red flags, submission, queries."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from assessments import scoring
from assessments.consent import consent_give
from assessments.models import Assessment, AssessmentPhoto
from assessments.tests.steps import STEP_DATA, answer_all, url
from assessments.views import SESSION_ANSWERS, SESSION_DRAFT

pytestmark = pytest.mark.django_db


def test_start_page_leads_to_the_consent_page_then_the_first_question(client):
    response = client.get(reverse("assessments:start"))
    assert response.status_code == 200
    assert f'href="{reverse("assessments:consent")}"' in response.content.decode()
    response = client.post(reverse("assessments:consent"), {"agree": "on"})
    assert response.status_code == 302 and response.url == url("about-you")


def test_step_page_follows_the_question_pattern(client):
    response = client.get(url("about-you"))
    html = response.content.decode()
    assert "Step 1 of 7" in html
    assert 'class="back-link"' in html
    assert ">Continue</button>" in html
    assert "Height in centimetres (optional)" in html
    assert "*" not in html.split("<main", 1)[1].split("</main>")[0]  # no asterisks
    assert "<fieldset" in html and "<legend>Your sex</legend>" in html


def test_a_validation_error_is_shown_next_to_the_field_and_keeps_what_was_typed(client):
    response = client.post(url("about-you"), {"age": "abc", "sex": "male", "height_cm": "170"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_age"' in html
    assert "Age must be a whole number, like 42" in html
    assert 'id="id_age_error"' in html
    assert 'value="170"' in html  # kept
    assert 'value="male" checked' in html or ('value="male"' in html and "checked" in html)
    assert response.context["form"]["sex"].value() == "male"
    assert "<title>Error:" in html
    assert not Assessment.objects.exists()  # nothing stored from an invalid step


def test_progress_is_kept_in_the_session_then_in_a_draft_from_the_photos_step(client):
    client.post(url("about-you"), STEP_DATA["about-you"])
    assert not Assessment.objects.exists()  # a question step writes only the session
    assert client.session[SESSION_ANSWERS]["about"]["age"] == 40
    response = client.get(url("about-you"))  # Back, or a refresh
    assert 'value="40"' in response.content.decode()
    start = client.get(reverse("assessments:start")).content.decode()
    assert "Continue where you left off" in start and url("your-pain") in start
    answer_all(client, until="photos")
    assert not Assessment.objects.exists()
    assert client.post(url("photos"), {}).url == reverse("assessments:check")
    draft = Assessment.objects.get()  # photos belong to a row: it is made here
    assert draft.status == "draft" and client.session[SESSION_DRAFT] == draft.token
    assert set(draft.answers) == {
        "about",
        "pain",
        "red_flags",
        "left",
        "right",
        "activity",
        "photos",
    }
    assert SESSION_ANSWERS not in client.session  # the row holds them now
    # A change from "check your answers" goes to the row.
    changed = client.post(url("about-you", change=True), {**STEP_DATA["about-you"], "age": "41"})
    assert changed.url == reverse("assessments:check")
    draft.refresh_from_db()
    assert draft.answers["about"]["age"] == 41 and SESSION_ANSWERS not in client.session
    assert 'value="41"' in client.get(url("about-you")).content.decode()


def test_you_cannot_skip_ahead(client):
    response = client.get(url("right-foot"))
    assert response.status_code == 302 and response.url == url("about-you")
    client.post(url("about-you"), STEP_DATA["about-you"])
    response = client.get(url("activity"))
    assert response.url == url("your-pain")


def test_unknown_step_is_404(client):
    assert client.get(url("nope")).status_code == 404


def test_entry_from_an_article_preselects_the_area_and_records_the_article(client):
    client.get(reverse("assessments:start") + "?article=hip-pain-and-feet&area=hip")
    client.post(url("about-you"), STEP_DATA["about-you"])
    response = client.get(url("your-pain"))
    assert response.context["form"].initial == {"areas": ["hip"]}
    assert 'value="hip" id="id_areas_5" checked' in response.content.decode() or (
        response.context["form"]["areas"].value() == ["hip"]
    )
    answer_all(client)
    assert Assessment.objects.get().source_article_slug == "hip-pain-and-feet"


def test_unknown_entry_area_is_ignored(client):
    client.get(reverse("assessments:start") + "?article=x&area=elbow")
    client.post(url("about-you"), STEP_DATA["about-you"])
    assert client.get(url("your-pain")).context["form"].initial == {}


def test_pain_step_requires_duration_and_score_when_an_area_is_ticked(client):
    client.post(url("about-you"), STEP_DATA["about-you"])
    response = client.post(url("your-pain"), {"areas": ["heel"]})
    assert response.status_code == 200
    assert "Select how long you have had this pain" in response.content.decode()
    assert client.post(url("your-pain"), {}).status_code == 302  # nothing hurts: fine


def test_none_of_these_cannot_be_combined(client):
    answer_all(client, until="health-check")
    response = client.post(url("health-check"), {"flags": ["none", "cancer_history"]})
    assert "only if none of the others apply" in response.content.decode()
    response = client.post(url("health-check"), {})
    assert "Select any that apply, or" in response.content.decode()


def test_a_red_flag_stops_the_flow_at_the_screen_step(client):
    answer_all(client, until="health-check")
    response = client.post(url("health-check"), {"flags": ["red_hot_swollen_foot"]})
    assessment = Assessment.objects.get()
    assert response.url == reverse("assessments:result", kwargs={"token": assessment.token})
    assert assessment.status == "referred"
    assert assessment.red_flags == ["red_hot_swollen_foot"] and assessment.urgent
    assert assessment.band == "" and assessment.suggested_product_slug == ""
    assert assessment.left_score is None
    page = client.get(response.url)
    html = page.content.decode()
    assert "Please get medical help today" in html
    assert "?assessment=" not in html and "Order a custom orthotic" not in html
    assert SESSION_DRAFT not in client.session and SESSION_ANSWERS not in client.session


def test_under_18_is_referred_from_the_first_step(client):
    response = client.post(url("about-you"), {**STEP_DATA["about-you"], "age": "16"})
    assessment = Assessment.objects.get()
    assert assessment.status == "referred" and assessment.red_flags == ["under_18"]
    html = client.get(response.url).content.decode()
    assert "Please see a clinician before anything else" in html
    assert "Flat feet are normal in children" in html


def test_posture_step_shows_five_pictures_and_cant_tell_for_each_item(client):
    answer_all(client, until="left-foot")
    html = client.get(url("left-foot")).content.decode()
    for item in scoring.POSTURE_ITEMS:
        for slug in ("m2", "m1", "0", "p1", "p2"):
            assert f"/static/img/assessment/{item}_{slug}.svg" in html
    assert html.count("I can&#x27;t tell") == 5
    assert html.count("<legend>") >= 5


def test_full_pass_check_answers_and_submit(client, django_capture_on_commit_callbacks):
    answer_all(client)
    response = client.get(reverse("assessments:check"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{url("about-you", change=True)}"' in html
    assert "I can&#x27;t tell" in html  # the right heel tilt
    # A change link comes back to check-your-answers.
    response = client.post(url("about-you", change=True), {**STEP_DATA["about-you"], "age": "41"})
    assert response.url == reverse("assessments:check")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:check"), {"contact_email": "me@example.com"})
    assessment = Assessment.objects.get()
    assert response.url == reverse("assessments:result", kwargs={"token": assessment.token})
    assert assessment.status == "submitted" and assessment.submitted_at
    assert assessment.model_version == "2"
    assert assessment.answers["about"]["age"] == 41
    assert (assessment.left_score, assessment.right_score) == (10, 5)
    # Highly pronated without a matching symptom (hip pain, but not on lying): moderate in v2.
    assert assessment.band == "moderate"
    assert assessment.suggested_product_slug == "sport"
    assert assessment.contact_email == "me@example.com"
    assert len(mail.outbox) == 1 and assessment.token in mail.outbox[0].body
    assert SESSION_DRAFT not in client.session
    # Submitted answers are frozen: the old step no longer edits anything.
    assert client.get(url("about-you")).context["draft"] is None


def test_submitting_is_one_transaction(client, monkeypatch):
    """If anything fails during submission, nothing of it is stored."""
    answer_all(client)
    from assessments import questions

    def boom(*args, **kwargs):
        raise RuntimeError("suggestion failed")

    monkeypatch.setattr(questions, "suggest_product", boom)
    with pytest.raises(RuntimeError):
        client.post(reverse("assessments:check"), {})
    assessment = Assessment.objects.get()
    assert assessment.status == "draft" and assessment.band == "" and assessment.model_version == ""


def test_check_page_without_a_draft_goes_to_start(client):
    assert client.get(reverse("assessments:check")).url == reverse("assessments:start")


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 200, 10)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "foot.png"
    return buffer


def test_photos_are_sanitised_stored_privately_and_rejected_with_a_message(client, settings):
    answer_all(client, until="photos")
    bad = io.BytesIO(b"%PDF-1.4 not a photo")
    bad.name = "scan.pdf"
    response = client.post(url("photos"), {"left_behind": bad})
    assert response.status_code == 200
    assert "The photo must be a JPEG or PNG image." in response.content.decode()
    response = client.post(url("photos"), {"left_behind": png_bytes()})
    assert response.url == reverse("assessments:check")
    photo = AssessmentPhoto.objects.get()
    assert photo.kind == "left_behind" and photo.content_type == "image/png"
    assert photo.file.name.startswith("assessment-photos/") and "foot" not in photo.file.name
    assert (settings.MEDIA_ROOT / photo.file.name).exists()
    # Remove it again from the photos step.
    client.post(url("photos"), {"remove": "left_behind"})
    assert not AssessmentPhoto.objects.exists()


@pytest.mark.parametrize("slug", list(STEP_DATA))
def test_each_step_runs_a_small_constant_number_of_queries(
    client, slug, django_assert_max_num_queries
):
    answer_all(client, until=slug)
    with django_assert_max_num_queries(4):
        assert client.get(url(slug)).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.post(url(slug), STEP_DATA[slug]).status_code == 302


def test_signing_in_before_submitting_links_the_assessment_to_the_account(client):
    from assessments.tests.factories import UserFactory

    answer_all(client)  # started anonymously
    person = UserFactory(username="walker")
    draft_token = client.session[SESSION_DRAFT]
    client.force_login(person)
    session = client.session
    session[SESSION_DRAFT] = draft_token  # as the session survives sign-in in the browser
    session.save()
    client.post(reverse("assessments:check"), {})
    assert Assessment.objects.get().user == person
    assert draft_token in client.get(reverse("assessments:mine")).content.decode()


# --- A blank question page, kept rendered in each process (issue 8) -------------------------------

TOKEN_FIELD = 'name="csrfmiddlewaretoken" value="'


def _token(html: str) -> str:
    return html.split(TOKEN_FIELD, 1)[1].split('"', 1)[0]


def _consenting_browser():
    """A visitor as a browser is: the consent page, then the first question, CSRF checked."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("assessments:consent")).content.decode()
    agreed = browser.post(
        reverse("assessments:consent"), {"agree": "on", "csrfmiddlewaretoken": _token(page)}
    )
    assert agreed.status_code == 302 and agreed.url == url("about-you")
    return browser


def test_a_blank_question_page_is_kept_and_each_visitor_gets_a_working_token_of_their_own(client):
    from django.test import Client

    client.get(url("about-you"))  # rendered once in this process
    assert Client().get(url("about-you")).url == reverse("assessments:consent")  # consent first
    tokens = []
    for _visitor in range(2):
        browser = _consenting_browser()
        response = browser.get(url("about-you"))
        assert response.context is None  # the kept page: no template rendered
        html = response.content.decode()
        assert "Step 1 of 7" in html and "csrfhole" not in html
        assert (
            response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
        )
        tokens.append(_token(html))
        answered = browser.post(
            url("about-you"), {**STEP_DATA["about-you"], "csrfmiddlewaretoken": tokens[-1]}
        )
        assert answered.status_code == 302 and answered.url == url("your-pain")
        again = browser.get(url("about-you"))  # their own answers now
        assert again.context is not None and 'value="40"' in again.content.decode()
        assert browser.session[SESSION_ANSWERS]["about"]["age"] == 40
    assert tokens[0] != tokens[1]
    stranger = _consenting_browser()  # someone else's token, without its cookie
    refused = stranger.post(
        url("about-you"), {**STEP_DATA["about-you"], "csrfmiddlewaretoken": tokens[0]}
    )
    assert refused.status_code == 403


def test_errors_entries_and_signed_in_visitors_never_get_the_kept_page(client, django_user_model):
    client.get(url("about-you"))
    response = client.post(url("about-you"), {"age": "abc", "sex": "male"})
    assert "Age must be a whole number, like 42" in response.content.decode()
    html = client.get(url("about-you")).content.decode()
    assert "Age must be a whole number" not in html and 'class="error-summary"' not in html

    client.get(reverse("assessments:start") + "?article=hip-pain-and-feet&area=hip")
    assert client.get(url("about-you")).context is not None  # an entry from an article

    django_user_model.objects.create_user("ann", password="demo-pass-123")
    signed_in = client.post("/accounts/login/", {"username": "ann", "password": "demo-pass-123"})
    assert signed_in.status_code == 302
    session = client.session
    consent_give(session)
    session.save()
    response = client.get(url("about-you"))
    assert response.context is not None and "Your account" in response.content.decode()


def test_question_steps_touch_no_assessment_table_and_the_photos_step_inserts_once(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.consent import HEALTH_DATA_CONSENT_VERSION

    with CaptureQueriesContext(connection) as queries:
        assert client.post(url("about-you"), STEP_DATA["about-you"]).status_code == 302
    assert not [q["sql"] for q in queries if "assessments_" in q["sql"]]
    assert client.session[SESSION_ANSWERS] == {
        "about": {"age": 40, "sex": "female", "height_cm": 165, "weight_kg": 60}
    }
    answer_all(client, until="photos")
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url("photos"), {}).status_code == 302
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "assessments_')]
    assert len(inserts) == 1 and "assessments_assessment" in inserts[0]
    draft = Assessment.objects.get()
    assert draft.answers["about"] == {"age": 40, "sex": "female", "height_cm": 165, "weight_kg": 60}
    assert draft.health_data_consent_version == HEALTH_DATA_CONSENT_VERSION
    assert draft.health_data_consent_at is not None
    assert client.session[SESSION_DRAFT] == draft.token
