"""The result page: explained, private to the token holder, printable, email-me-the-link."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from assessments import services
from assessments.models import AssessmentPhoto
from assessments.tests.factories import DraftFactory, UserFactory, complete_answers, submitted

pytestmark = pytest.mark.django_db


def result_url(assessment):
    return reverse("assessments:result", kwargs={"token": assessment.token})


def test_token_is_unguessable():
    assessment = submitted()
    assert len(assessment.token) >= 43  # 32 random bytes, URL-safe


def test_result_explains_the_band_each_foot_and_the_next_step(client):
    assessment = submitted(
        left="2",
        right="0",
        impact="three_plus",
        pain={"areas": ["hip"], "symptoms": ["outer_hip_pain_lying_on_side"]},
    )
    response = client.get(result_url(assessment))
    html = response.content.decode()
    assert response.status_code == 200
    assert "High: your feet may be adding to your pain" in html
    assert "+10.0" in html and "scale-current" in html
    assert "Your feet differ by 10.0 points: a marked difference" in html
    assert "The curves above and below the outer ankle bone</th><td>+2</td><td>+2.0</td>" in html
    assert "the thigh follows" in html  # kinetic chain, for hip pain
    assert "an orthotic alone will not cure hip pain" in html
    assert "not a diagnosis" in html
    assert f'href="/orthotics/sport/?assessment={assessment.token}"' in html
    assert "We suggest the Sport orthotic because" in html
    assert "Order a custom orthotic" in html
    assert "Scoring model version 2" in html


def test_result_is_not_indexed_or_cached(client):
    response = client.get(result_url(submitted()))
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_low_band_is_honest_about_orthotics_but_still_allows_ordering(client):
    assessment = submitted(left="0", right="0", shoes="slim")
    assert assessment.band == "low"
    html = client.get(result_url(assessment)).content.decode()
    assert "An orthotic may not be needed" in html
    assert f'href="/orthotics/dress/?assessment={assessment.token}"' in html


def test_not_enough_information_result(client):
    cant = dict.fromkeys(complete_answers()["left"], "cant_tell")
    assessment = submitted(left=cant, right=cant)
    assert assessment.band == "not_enough_information"
    assert assessment.suggested_product_slug == ""  # v2: no band, no product
    html = client.get(result_url(assessment)).content.decode()
    assert "Not enough information to estimate" in html
    assert "?assessment=" not in html
    assert "Talk to a clinician" in html


def test_unknown_token_and_drafts_have_no_result(client):
    draft = DraftFactory()
    assert client.get(result_url(draft)).status_code == 404
    assert client.get("/assessment/result/not-a-token/").status_code == 404


def test_email_me_the_link_sends_it_after_commit(client, django_capture_on_commit_callbacks):
    assessment = submitted()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("assessments:email_link", kwargs={"token": assessment.token}),
            {"email": "me@example.com"},
        )
    assert response.status_code == 302
    assert not mail.outbox  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["me@example.com"]
    assert f"/assessment/result/{assessment.token}/" in mail.outbox[0].body
    assessment.refresh_from_db()
    assert assessment.contact_email == "me@example.com"


def test_email_form_error_is_shown_on_the_result_page(client):
    assessment = submitted()
    response = client.post(
        reverse("assessments:email_link", kwargs={"token": assessment.token}), {"email": "nope"}
    )
    assert response.status_code == 400
    assert "Enter an email address in the right format" in response.content.decode()
    assert 'value="nope"' in response.content.decode()
    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_result_link_email_goes_through_a_real_worker(celery_worker):
    import time

    assessment = submitted()
    services.assessment_request_link_email(assessment=assessment, email="w@example.com")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not mail.outbox:
        time.sleep(0.05)
    assert [message.to for message in mail.outbox] == [["w@example.com"]]


def test_signed_in_person_sees_their_own_assessments_only(client):
    owner = UserFactory(username="owner")
    other = UserFactory(username="other")
    mine = DraftFactory(user=owner, answers=complete_answers())
    mine = services.assessment_submit(assessment=mine)
    theirs = services.assessment_submit(
        assessment=DraftFactory(user=other, answers=complete_answers())
    )
    client.force_login(owner)
    html = client.get(reverse("assessments:mine")).content.decode()
    assert mine.token in html and theirs.token not in html


def test_my_assessments_needs_sign_in(client):
    response = client.get(reverse("assessments:mine"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def store_photo(assessment, kind="left_behind"):
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (1, 2, 3)).save(buffer, format="JPEG")
    return services.assessment_photo_save(assessment=assessment, kind=kind, upload=buffer)


def test_photo_is_served_only_to_the_token_holder_with_safe_headers(client):
    draft = DraftFactory()
    store_photo(draft)
    assessment = services.assessment_submit(assessment=draft)
    url = reverse("assessments:photo", kwargs={"token": assessment.token, "kind": "left_behind"})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    other = submitted()
    wrong = reverse("assessments:photo", kwargs={"token": other.token, "kind": "left_behind"})
    assert client.get(wrong).status_code == 404


def test_private_storage_has_no_public_url_pattern(client):
    draft = DraftFactory()
    photo = store_photo(draft)
    assert client.get("/private-media-not-served/" + photo.file.name).status_code == 404
    assert client.get("/media/" + photo.file.name).status_code == 404
    assert AssessmentPhoto.objects.count() == 1


def test_result_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    assessment = submitted()
    with django_assert_max_num_queries(3):
        assert client.get(result_url(assessment)).status_code == 200


def test_the_link_email_is_throttled(client, django_capture_on_commit_callbacks):
    assessment = submitted()
    url = reverse("assessments:email_link", kwargs={"token": assessment.token})
    for _ in range(services.LINK_EMAILS_PER_HOUR):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"email": "me@example.com"})
    assert len(mail.outbox) == services.LINK_EMAILS_PER_HOUR
    response = client.post(url, {"email": "someone@example.com"}, follow=True)
    assert "emailed several times already" in response.content.decode()
    assert len(mail.outbox) == services.LINK_EMAILS_PER_HOUR


def test_no_order_offer_after_a_clinician_refers_in_person(client):
    from assessments.tests.factories import clinician

    assessment = submitted(left="2", right="2")
    services.review_create(
        assessment=assessment, reviewer=clinician(), decision="refer_in_person", notes="n"
    )
    html = client.get(result_url(assessment)).content.decode()
    assert "recommends you are seen in person" in html
    assert "?assessment=" not in html


def test_staff_can_revoke_a_leaked_result_link(client, admin_client):
    assessment = submitted()
    old_url = result_url(assessment)
    assert client.get(old_url).status_code == 200
    response = admin_client.post(
        "/admin/assessments/assessment/",
        {"action": "action_revoke_link", "_selected_action": [assessment.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assessment.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert client.get(result_url(assessment)).status_code == 200
