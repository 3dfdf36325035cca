"""Clinician review: who may reach /clinic/, the queue order, reviews and revisions."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessments import selectors, services
from assessments.models import Assessment, Review
from assessments.signals import assessment_approved
from assessments.tests.factories import (
    DraftFactory,
    UserFactory,
    clinician,
    complete_answers,
    referred,
    submitted,
)

pytestmark = pytest.mark.django_db

CLINIC_URLS = [
    "assessments:clinic_queue",
    "assessments:clinic_calibration",
]


def detail_url(assessment):
    return reverse("assessments:clinic_assessment", kwargs={"pk": assessment.pk})


# --- Boundaries -----------------------------------------------------------------------------


def test_the_clinicians_group_exists_with_the_review_permission():
    group = Group.objects.get(name="Clinicians")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"review_assessment", "view_assessment", "add_review"} <= codenames


def test_a_clinician_is_not_staff_but_can_review():
    user = clinician()
    assert not user.is_staff and not user.is_superuser
    assert services.can_review(user)


@pytest.mark.parametrize("name", CLINIC_URLS)
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_anonymous_cannot_open_an_assessment_or_photo_in_the_clinic(client):
    assessment = submitted()
    assert client.get(detail_url(assessment)).url.startswith("/accounts/login/")
    photo_url = reverse(
        "assessments:clinic_photo", kwargs={"pk": assessment.pk, "kind": "left_behind"}
    )
    assert client.get(photo_url).url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", CLINIC_URLS)
def test_signed_in_customers_are_refused(client, name):
    client.force_login(UserFactory(username="customer"))
    assert client.get(reverse(name)).status_code == 403


def test_customers_cannot_post_a_review(client):
    assessment = submitted()
    client.force_login(UserFactory(username="customer"))
    response = client.post(detail_url(assessment), {"decision": "approved"})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_the_review_service_checks_permission_itself():
    assessment = submitted()
    with pytest.raises(PermissionDenied):
        services.review_create(
            assessment=assessment, reviewer=UserFactory(username="x"), decision="approved"
        )


def test_sign_in_page_lets_a_clinician_through_to_the_clinic(client):
    clinician()
    response = client.post(
        "/accounts/login/",
        {"username": "clin", "password": "demo-pass-123", "next": "/clinic/"},
    )
    assert response.url == "/clinic/"
    assert client.get("/clinic/").status_code == 200


def test_clinic_shows_no_payment_details(client):
    assessment = submitted()
    client.force_login(clinician())
    html = client.get(detail_url(assessment)).content.decode().lower()
    for word in ("stripe", "payment", "card", "£"):
        assert word not in html.split("<main", 1)[1]


# --- Queue ----------------------------------------------------------------------------------


def test_queue_puts_red_flags_then_high_bands_first(client):
    low = submitted(left="0", right="0")
    high = submitted(left="2", right="2", pain={"symptoms": ["first_step_heel_pain"]})
    moderate = submitted(left="1", right="1")
    flag = referred()
    urgent = referred(flags=("diabetic_foot_wound",))
    DraftFactory()  # drafts are never queued
    assert list(selectors.clinic_queue()) == [urgent, flag, high, moderate, low]
    client.force_login(clinician())
    html = client.get(reverse("assessments:clinic_queue")).content.decode()
    positions = [html.index(f">#{a.pk}<") for a in (urgent, flag, high, moderate, low)]
    assert positions == sorted(positions)


def test_queue_filters_and_search(client):
    high = submitted(left="2", right="2", pain={"symptoms": ["first_step_heel_pain"]})
    low = submitted(left="0", right="0")
    Assessment.objects.filter(pk=low.pk).update(contact_email="find.me@example.com")
    old = submitted(left="1", right="1")
    Assessment.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=30))
    client.force_login(clinician())

    def queue(**params):
        return list(client.get(reverse("assessments:clinic_queue"), params).context["page"])

    assert queue(band="high") == [high]
    assert queue(q="find.me") == [Assessment.objects.get(pk=low.pk)]
    assert queue(q=f"#{high.pk}") == [high]
    since = (timezone.now() - dt.timedelta(days=2)).date()
    day_month_year = {
        f"submitted_from_{i}": part for i, part in enumerate((since.day, since.month, since.year))
    }
    assert old not in queue(**day_month_year)
    assert queue(status="reviewed") == []


def test_queue_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(clinician())
    for _ in range(3):
        submitted()
    with django_assert_max_num_queries(8):
        client.get(reverse("assessments:clinic_queue"))
    for _ in range(10):
        submitted()
    with django_assert_max_num_queries(8):
        client.get(reverse("assessments:clinic_queue"))


# --- Assessment page and review ---------------------------------------------------------------


def test_assessment_page_shows_what_the_reviewer_needs(client):
    draft = DraftFactory(answers=complete_answers(flags=("none",)))
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10)).save(buffer, format="PNG")
    services.assessment_photo_save(assessment=draft, kind="right_behind", upload=buffer)
    assessment = services.assessment_submit(assessment=draft)
    client.force_login(clinician())
    response = client.get(detail_url(assessment))
    html = response.content.decode()
    for text in (
        "Age",
        "Sex",
        "Height",
        "Weight",
        "Where",
        "Pain at its worst",
        "Impact sport",
        "Previous overuse injury",
        "Insoles or orthotics before",
        "model version 2",
        "Red flags",
        "Load score (B)",
        "Right foot from behind",
    ):
        assert text in html, text
    photo_url = reverse(
        "assessments:clinic_photo", kwargs={"pk": assessment.pk, "kind": "right_behind"}
    )
    assert photo_url in html
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["X-Content-Type-Options"] == "nosniff"


def test_assessment_page_lists_red_flag_answers(client):
    assessment = referred(flags=("cancer_history", "nerve_symptoms"))
    client.force_login(clinician())
    html = client.get(detail_url(assessment)).content.decode()
    assert "I have had cancer" in html and "Numbness, pins and needles" in html


def test_review_records_fpi_decision_and_notes_and_announces_approval(
    client, django_capture_on_commit_callbacks
):
    assessment = submitted()
    reviewer = clinician()
    received = []

    def listener(sender, assessment, reviewer, **kwargs):
        received.append((assessment.pk, reviewer.pk))

    assessment_approved.connect(listener)
    try:
        client.force_login(reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                detail_url(assessment),
                {
                    "decision": "approved",
                    "left_heel_tilt": "1",
                    "left_arch_height": "2",
                    "right_heel_tilt": "0",
                    "notes": "",
                },
            )
    finally:
        assessment_approved.disconnect(listener)
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.reviewer == reviewer and review.decision == "approved"
    assert review.left_heel_tilt == 1 and review.left_arch_height == 2
    assert review.left_ankle_curves is None  # not scored
    assert review.talar_head_palpation is None  # FPI item 1 is never scored remotely
    assessment.refresh_from_db()
    assert assessment.decision == "approved" and assessment.is_approved
    assert assessment.status == "reviewed"
    assert received == [(assessment.pk, reviewer.pk)]


def test_approval_signal_waits_for_commit():
    assessment = submitted()
    received = []
    assessment_approved.connect(
        lambda **kwargs: received.append(1), weak=False, dispatch_uid="t-wait"
    )
    try:
        services.review_create(assessment=assessment, reviewer=clinician(), decision="approved")
        assert received == []  # the test transaction has not committed
    finally:
        assessment_approved.disconnect(dispatch_uid="t-wait")


def test_a_revision_adds_a_review_and_never_overwrites(client):
    assessment = submitted()
    client.force_login(clinician())
    client.post(detail_url(assessment), {"decision": "approved"})
    client.post(
        detail_url(assessment),
        {"decision": "refer_in_person", "notes": "Photo shows a bunion; see in clinic."},
    )
    reviews = list(Review.objects.order_by("created_at", "pk"))
    assert [(r.previous_decision, r.decision) for r in reviews] == [
        ("", "approved"),
        ("approved", "refer_in_person"),
    ]
    assessment.refresh_from_db()
    assert assessment.decision == "refer_in_person" and not assessment.is_approved
    html = client.get(detail_url(assessment)).content.decode()
    assert "Photo shows a bunion" in html and "Revise the review" in html


def test_review_form_errors_keep_the_input(client):
    assessment = submitted()
    client.force_login(clinician())
    response = client.post(
        detail_url(assessment), {"decision": "needs_information", "left_heel_tilt": "2"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Add a note saying what is needed or why" in html
    assert 'value="2" selected' in html
    assert not Review.objects.exists()


def test_review_rejects_out_of_range_fpi():
    with pytest.raises(ValueError):
        services.review_create(
            assessment=submitted(),
            reviewer=clinician(),
            decision="approved",
            fpi={"left_heel_tilt": 3},
        )


def test_a_draft_cannot_be_reviewed_or_opened():
    with pytest.raises(ValueError):
        services.review_create(assessment=DraftFactory(), reviewer=clinician(), decision="approved")
    assert selectors.clinic_assessment(DraftFactory().pk) is None


# Calibration figures and their page: test_calibration.py.


def test_clinic_assessment_page_queries_do_not_grow_with_reviews(
    client, django_assert_max_num_queries
):
    assessment = submitted()
    reviewer = clinician()
    client.force_login(reviewer)
    for decision in ("approved", "needs_information", "refer_in_person"):
        services.review_create(
            assessment=assessment, reviewer=reviewer, decision=decision, notes="n"
        )
    # 10: the page also lists the clinician's questions and the paid orders it backs (issue 19).
    with django_assert_max_num_queries(10):
        assert client.get(detail_url(assessment)).status_code == 200


def test_admin_lists_and_shows_assessments_read_only(admin_client):
    assessment = submitted()
    services.review_create(assessment=assessment, reviewer=clinician(), decision="approved")
    assert admin_client.get("/admin/assessments/assessment/").status_code == 200
    page = admin_client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")
    assert page.status_code == 200
    assert admin_client.get("/admin/assessments/assessment/add/").status_code == 403
    assert admin_client.get("/admin/assessments/review/").status_code == 200


def test_other_apps_can_add_a_panel_to_the_clinic_page(client):
    from assessments.signals import clinic_panels

    assessment = submitted()

    def scan_panel(sender, assessment, **kwargs):
        return {
            "title": "3D scan",
            "rows": [("Feet", "left and right"), ("Units", "mm"), ("Weight-bearing", "yes")],
            "links": [("Download <left>", "/scans/1/")],
        }

    client.force_login(clinician())
    html = client.get(detail_url(assessment)).content.decode()
    assert "No scan linked to this assessment yet." in html
    clinic_panels.connect(scan_panel, dispatch_uid="test-scan-panel")
    try:
        html = client.get(detail_url(assessment)).content.decode()
    finally:
        clinic_panels.disconnect(dispatch_uid="test-scan-panel")
    assert "<h2>3D scan</h2>" in html and "<dt>Weight-bearing</dt>" in html
    assert "Download &lt;left&gt;" in html  # escaped
