"""The clinic's approval with a prescription (issue 19): versioned, validated by the form and the
model, only by clinicians, frozen once the lab has it, shown read-only to staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Assessment
from assessments.tests.factories import clinician, submitted
from orders import fulfilment
from orders.clinic import services
from orders.clinic.models import Prescription
from orders.clinic.selectors import clinic_orders_blocked, current_prescription
from orders.clinic.tests.factories import TYPICAL, add_prescription
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import add_valid_scan, create_order, pay, seed_catalogue, staff_user

pytestmark = pytest.mark.django_db

RX = {f"rx-{name}": value for name, value in TYPICAL.items() if value is not False}


@pytest.fixture(autouse=True)
def catalogue(db):
    seed_catalogue()


def scanned(order):
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    return order


def test_each_change_is_a_new_version_and_the_latest_is_current():
    order = pay(create_order())
    nurse = clinician("nurse")
    first = services.prescription_record(order=order, actor=nurse, values=dict(TYPICAL))
    second = services.prescription_record(
        order=order, actor=nurse, values={**TYPICAL, "heel_lift_mm": 4}
    )
    assert (first.version, second.version) == (1, 2)
    assert current_prescription(order) == second
    assert Prescription.objects.get(pk=first.pk).heel_lift_mm == 0  # the old version stays
    notes = list(order.status_changes.values_list("note", flat=True))
    assert "Orthotic prescription v2 recorded by nurse." in notes


def test_only_clinicians_prescribe_and_invalid_values_save_nothing():
    order = pay(create_order())
    with pytest.raises(services.PrescriptionRefused):
        services.prescription_record(order=order, actor=staff_user(), values=dict(TYPICAL))
    with pytest.raises(ValidationError) as caught:
        services.prescription_record(
            order=order, actor=clinician("nurse"), values={**TYPICAL, "rearfoot_post_left": 25}
        )
    assert "rearfoot_post_left" in caught.value.message_dict
    assert not Prescription.objects.exists()


def test_the_prescription_is_frozen_once_the_lab_has_it(settings, tmp_path):
    settings.LAB_DROP_DIR = tmp_path
    order = scanned(pay(create_order()))
    nurse = clinician("nurse")
    services.order_approve_with_prescription(order=order, actor=nurse, values=dict(TYPICAL))
    assert LabSubmission.objects.filter(order=order).count() == 1
    with pytest.raises(services.PrescriptionRefused, match="with the lab"):
        services.prescription_record(order=order, actor=nurse, values=dict(TYPICAL))
    assert Prescription.objects.filter(order=order).count() == 1


def test_approval_and_prescription_are_all_or_nothing():
    order = scanned(pay(create_order(screened=False)))  # needs the red-flag confirmation
    with pytest.raises(Exception, match="placed before checkout"):
        services.order_approve_with_prescription(
            order=order, actor=clinician("nurse"), values=dict(TYPICAL)
        )
    assert not Prescription.objects.exists()
    order.refresh_from_db()
    assert order.approved_for_lab_at is None


def test_the_clinic_page_suggests_from_the_assessment_and_approves_it_with_the_prescription(
    client, django_capture_on_commit_callbacks
):
    assessment = submitted(left="2", right="2", shoes="everyday")  # pronated feet
    order = scanned(pay(create_order(assessment=assessment)))
    nurse = clinician("nurse")
    client.force_login(nurse)
    page = client.get(f"/clinic/orders/{order.pk}/").content.decode()
    assert "Approve with a prescription" in page
    assert 'name="rx-rearfoot_post_left" value="' in page
    assert "Why these suggestions" in page
    assert 'id="scans-heading"' in page  # the Scans section (the scans app adds to it)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/clinic/orders/{order.pk}/", {**RX, "rx-device_type": "sports", "notes": ""}
        )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.decision == Assessment.Decision.APPROVED
    assert assessment.reviews.get().reviewer == nurse
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB and order.approved_for_lab_by == nurse
    assert current_prescription(order).device_type == "sports"
    submission = LabSubmission.objects.get(order=order)
    assert submission.manifest["prescription"]["device_type"] == "sports"


def test_the_form_shows_the_clinical_rule_it_breaks(client):
    order = scanned(pay(create_order()))
    client.force_login(clinician("nurse"))
    response = client.post(
        f"/clinic/orders/{order.pk}/",
        {**RX, "rx-device_type": "dress", "rx-heel_cup_depth_mm": "20", "notes": ""},
    )
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "at most 14 mm deep" in html and 'href="#id_rx-heel_cup_depth_mm"' in html
    response = client.post(
        f"/clinic/orders/{order.pk}/", {**RX, "rx-heel_lift_mm": "forty", "notes": ""}
    )
    assert 'href="#id_rx-heel_lift_mm"' in response.content.decode()
    assert not Prescription.objects.exists()
    assert Order.objects.get(pk=order.pk).approved_for_lab_at is None


def test_an_approved_order_without_a_prescription_waits_in_the_clinic(client):
    order = scanned(pay(create_order()))
    nurse = clinician("nurse")
    fulfilment.order_approve_for_lab(order=order, actor=nurse)  # the old way: no prescription
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED
    assert not LabSubmission.objects.filter(order=order).exists()
    assert "prescription" in order.lab_error
    assert [(row.order, row.reason) for row in clinic_orders_blocked()] == [(order, "prescription")]
    client.force_login(nurse)
    page = client.get(f"/clinic/orders/{order.pk}/").content.decode()
    assert "Complete the prescription" in page and 'name="red_flags_checked"' not in page
    response = client.post(f"/clinic/orders/{order.pk}/", {**RX})
    assert response.status_code == 302
    assert LabSubmission.objects.filter(order=order).count() == 1  # the hand-off goes on
    assert clinic_orders_blocked() == []


def test_staff_see_prescriptions_read_only_in_the_admin(admin_client):
    order = pay(create_order())
    add_prescription(order)
    add_prescription(order, heel_lift_mm=5)
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "the first is current: what the lab gets" in page
    assert "heel lift 5 mm" in page and "left 4° varus" in page
    listing = admin_client.get("/admin/clinic_orders/prescription/")
    assert listing.status_code == 200 and order.number in listing.content.decode()
    assert admin_client.get("/admin/clinic_orders/prescription/add/").status_code == 403
