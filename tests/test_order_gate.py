"""The gate nobody can open: a red flag or an in-person referral never backs an order, and no order
reaches the lab without a clinician. Every path that links or approves an order is tried, at the
service and over HTTP, with every red flag and every sequence of clinician decisions."""

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import scoring, selectors
from assessments import services as assessment_services
from assessments.models import Assessment
from assessments.tests.factories import clinician, referred, submitted
from orders import fulfilment, services
from orders.clinic.tests.factories import add_prescription
from orders.lab import services as lab_services
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import (
    add_valid_scan,
    clinician_user,
    create_order,
    pay,
    seed_catalogue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    seed_catalogue()


DECISIONS = [value for value, _label in Assessment.Decision.choices if value]
# Every red flag the questionnaire asks about (under 18 comes from the age answer).
ASKED_FLAGS = [flag for flag in scoring.RED_FLAGS if flag != "under_18"]
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _red_flag_assessment(flag: str) -> Assessment:
    if flag == "under_18":
        return referred(flags=("none",), age=15)
    return referred(flags=(flag,))


def _review(assessment: Assessment, decision: str, reviewer) -> bool:
    """A clinician's review through the service; False when the service refused an approval."""
    try:
        assessment_services.review_create(
            assessment=assessment, reviewer=reviewer, decision=decision, notes="seen"
        )
    except assessment_services.AssessmentClosedForOrders:
        assert decision == "approved"
        return False
    return True


@HYPOTHESIS
@given(
    flag=st.sampled_from(list(scoring.RED_FLAGS)),
    decisions=st.lists(st.sampled_from(DECISIONS), max_size=4),
)
def test_a_red_flag_never_backs_an_order_whatever_the_reviews(
    flag, decisions, catalogue, django_capture_on_commit_callbacks
):
    reviewer = clinician("gate-clin")
    assessment = _red_flag_assessment(flag)
    with django_capture_on_commit_callbacks(execute=True):
        for decision in decisions:
            _review(assessment, decision, reviewer)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.REFERRED  # reviews never turn it into "reviewed"
    assert assessment.reviews.count() == sum(d != "approved" for d in decisions)
    assert not selectors.assessment_may_back_order(assessment=assessment)
    assert assessment.decision != "approved"
    with pytest.raises(ValueError):
        create_order(assessment=assessment)


@HYPOTHESIS
@given(decisions=st.lists(st.sampled_from(DECISIONS), min_size=1, max_size=5))
def test_refer_in_person_is_final_and_withdraws_an_earlier_approval(
    decisions, catalogue, django_capture_on_commit_callbacks
):
    reviewer = clinician("gate-clin")
    assessment = submitted()
    order = pay(create_order(assessment=assessment))
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    add_prescription(order)  # no order goes to the lab without one (issue 19)
    fulfilment.order_mark_scans_received(order=order)
    for decision in decisions:  # each review commits before the next (its reactions run)
        with django_capture_on_commit_callbacks(execute=True):
            _review(assessment, decision, reviewer)
    assessment.refresh_from_db()
    order.refresh_from_db()
    closed = "refer_in_person" in decisions
    assert selectors.assessment_may_back_order(assessment=assessment) is not closed
    if closed:
        referral = decisions.index("refer_in_person")
        if "approved" in decisions[:referral]:
            # The hand-off ran (tasks run eagerly here) before the referral: staff are told.
            assert order.status == Status.SENT_TO_LAB and "referred in person" in order.lab_error
            return
        # Approvals after the referral were refused.
        assert order.status == Status.SCANS_RECEIVED and order.approved_for_lab_at is None
        with pytest.raises(services.ClinicalApprovalRefused):
            fulfilment.order_record_clinical_approval(order=order, actor=reviewer)
        with pytest.raises(services.ClinicalApprovalRefused):
            services.order_set_status(order=order, to_status=Status.CLINICALLY_APPROVED)
        with pytest.raises(ValueError):
            create_order(assessment=assessment)
    elif "approved" in decisions:
        assert order.status in {Status.CLINICALLY_APPROVED, Status.SENT_TO_LAB}
    else:
        assert order.status == Status.SCANS_RECEIVED


def test_a_referral_after_the_approval_stops_the_queued_hand_off(
    catalogue, django_capture_on_commit_callbacks
):
    """The outbox row was written on approval; the referral lands before the worker sends it."""
    reviewer = clinician("gate-clin")
    assessment = submitted()
    order = pay(create_order(assessment=assessment))
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    add_prescription(order)
    fulfilment.order_mark_scans_received(order=order)
    assessment_services.review_create(assessment=assessment, reviewer=reviewer, decision="approved")
    fulfilment.orders_record_assessment_approval(assessment=assessment, reviewer=reviewer)
    submission = LabSubmission.objects.get(order=order)
    assessment_services.review_create(
        assessment=assessment, reviewer=reviewer, decision="refer_in_person", notes="see in clinic"
    )
    outcome = lab_services.lab_submission_send(submission_id=submission.pk)
    submission.refresh_from_db()
    order.refresh_from_db()
    assert outcome.result == "failed" and submission.status == LabSubmission.Status.FAILED
    assert "No clinician has approved" in submission.last_error
    assert order.status == Status.SCANS_RECEIVED and order.lab_reference == ""


def test_an_order_without_an_assessment_needs_a_clinician_not_staff(catalogue, django_user_model):
    superuser = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    order = pay(create_order())
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    for actor in (None, superuser):
        with pytest.raises(services.ClinicalApprovalRefused):
            fulfilment.order_approve_for_lab(order=order, actor=actor)
        with pytest.raises(services.ClinicalApprovalRefused):
            fulfilment.order_record_clinical_approval(order=order, actor=actor)
    with pytest.raises(services.ClinicalApprovalRefused):
        services.order_set_status(order=order, to_status=Status.CLINICALLY_APPROVED)
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED and order.approved_for_lab_at is None
    fulfilment.order_approve_for_lab(order=order, actor=clinician_user())
    assert order.status == Status.CLINICALLY_APPROVED


# --- Over HTTP --------------------------------------------------------------------------------


def _choose(client, token: str):
    return client.post(
        "/orthotics/everyday/",
        {"size_system": "eu", "size": "42", "top_cover": "leather", "assessment": token},
    )


@pytest.mark.parametrize("flag", scoring.RED_FLAGS)
def test_the_product_page_refuses_every_red_flag_even_after_reviews(client, catalogue, flag):
    assessment = _red_flag_assessment(flag)
    reviewer = clinician("gate-clin")
    for decision in ("needs_information", "refer_in_person", "needs_information"):
        _review(assessment, decision, reviewer)
    page = client.get(f"/orthotics/everyday/?assessment={assessment.token}").content.decode()
    assert "Continue to checkout" not in page
    assert _choose(client, assessment.token).status_code == 200  # not sent on to checkout
    assert "orders_checkout" not in client.session


def test_checkout_refuses_an_assessment_closed_after_the_product_was_chosen(client, catalogue):
    assessment = submitted()
    assert _choose(client, assessment.token).status_code == 302
    assessment_services.review_create(
        assessment=assessment,
        reviewer=clinician("gate-clin"),
        decision="refer_in_person",
        notes="n",
    )
    response = client.get("/checkout/")
    assert response.status_code == 302 and assessment.token in response["Location"]
    assert "orders_checkout" not in client.session
    assert not Order.objects.exists()


def test_a_clinician_cannot_approve_a_closed_assessment_in_the_clinic(client, catalogue):
    assessment = referred(flags=("nerve_symptoms",))
    client.force_login(clinician("gate-clin"))
    page = client.get(f"/clinic/assessments/{assessment.pk}/").content.decode()
    assert "Closed for orders" in page and 'value="approved"' not in page
    response = client.post(
        f"/clinic/assessments/{assessment.pk}/", {"decision": "approved", "notes": "fine"}
    )
    assert response.status_code == 200  # the form again, with its error
    assessment.refresh_from_db()
    assert assessment.decision == "" and not assessment.reviews.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_closes_assessments_the_old_gate_reopened():
    """Data the two-definition gate left behind: a red-flag assessment turned "reviewed" and
    approved, and an in-person referral followed by another review. Both end closed."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("assessments", "0005_health_data_consent")]
    after = [("assessments", "0006_referral_is_final")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldAssessment = old.get_model("assessments", "Assessment")
    OldReview = old.get_model("assessments", "Review")
    flagged = OldAssessment.objects.create(
        token="t-flagged", status="reviewed", decision="approved", red_flags=["nerve_symptoms"]
    )
    sent_on = OldAssessment.objects.create(token="t-sent-on", status="reviewed", decision="")
    OldReview.objects.create(assessment=sent_on, decision="refer_in_person", notes="n")
    OldReview.objects.create(assessment=sent_on, decision="needs_information", notes="n")
    OldAssessment.objects.filter(pk=sent_on.pk).update(decision="needs_information")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    flagged = Assessment.objects.get(token="t-flagged")
    sent_on = Assessment.objects.get(token="t-sent-on")
    assert flagged.status == "referred" and flagged.decision == "refer_in_person"
    assert sent_on.referred_in_person_at is not None
    assert not selectors.assessment_may_back_order(assessment=flagged)
    assert not selectors.assessment_may_back_order(assessment=sent_on)
