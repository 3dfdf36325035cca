"""In a real browser (issue 19, "done when"): a clinician starts their day at /clinic/, opens the
paid order waiting for them, confirms the suggested prescription with one change and approves it;
the (fake, schema-validating) lab receives a manifest carrying that prescription, the
foot-posture scores and the delivery address."""

from __future__ import annotations

import pytest
from django.test import Client

from assessments.tests.factories import clinician, submitted
from orders import fulfilment
from orders.clinic.models import Prescription
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import add_valid_scan, create_order, pay, seed_catalogue


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
def test_a_clinician_approves_with_a_prescription_and_the_lab_gets_it(
    page, live_server, settings, transactional_db, lab
):
    settings.LAB_SHIPS_TO_CUSTOMER = True
    settings.RATE_LIMITS_ENABLED = False
    seed_catalogue()
    assessment = submitted(left="2", right="1")  # pronated feet, everyday shoes
    order = pay(create_order(assessment=assessment))
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    nurse = clinician("nurse")
    nurse.first_name, nurse.last_name = "Jane", "Foster"
    nurse.save(update_fields=["first_name", "last_name"])
    _sign_in(page, live_server, nurse)

    # The day starts with what blocks a paid order.
    page.goto("/clinic/")
    blocking = page.locator("table[data-table=blocking]")
    assert "needs your approval and prescription" in blocking.inner_text()
    assert "waiting" in blocking.inner_text()
    blocking.get_by_role("link", name=f"Order {order.number}").click()

    # The form is filled in with the suggestion; the clinician changes two values and approves.
    assert page.locator("h1").inner_text() == f"Order {order.number}"
    assert page.get_by_role("heading", name="Scans").is_visible()
    assert page.get_by_label("Functional (controls motion)").is_checked()
    rearfoot_left = page.get_by_label("Rearfoot post, left (degrees; + varus, − valgus)")
    assert int(rearfoot_left.input_value()) > 0  # posted in varus for a pronated foot
    page.get_by_label("Sports", exact=True).check()
    page.get_by_label("Heel lift (mm)").fill("4")
    page.get_by_label("Notes for the lab").fill("Runs twice a week; keep it slim.")
    page.get_by_role("button", name="Approve for the lab with this prescription").click()
    page.get_by_text(f"Order {order.number} is approved for the lab.").wait_for()

    assert lab.wait_for_accepted(1, timeout=60)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == LabSubmission.Status.SUBMITTED
    manifest = lab.submissions[str(submission.pk)].manifest
    assert manifest["schema_version"] == "2.0"
    rx = manifest["prescription"]
    assert rx["version"] == 1 and rx["device_type"] == "sports"
    assert rx["additions"]["heel_lift_mm"] == 4
    assert rx["rearfoot_post"]["left"]["direction"] == "varus"
    assert rx["notes"] == "Runs twice a week; keep it slim."
    assessment.refresh_from_db()
    assert manifest["posture"]["left"]["score"] == pytest.approx(assessment.left_score, abs=0.01)
    assert manifest["posture"]["right"]["score"] == pytest.approx(assessment.right_score, abs=0.01)
    address = manifest["delivery"]["address"]
    assert manifest["delivery"]["ships_to"] == "customer"
    assert (address["name"], address["address_line1"], address["postcode"]) == (
        order.full_name,
        order.address_line1,
        order.postcode,
    )
    prescription = Prescription.objects.get(order=order)
    assert prescription.prescribed_by == nurse and prescription.suggested["device_type"] == (
        "functional"
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == Status.SENT_TO_LAB
    notes = list(order.status_changes.values_list("note", flat=True))
    assert "Orthotic prescription v1 recorded by Dr Jane Foster." in notes

    # Back on the order's page the prescription is read-only: the lab has it.
    page.goto(f"/clinic/orders/{order.pk}/")
    assert "can no longer change here" in page.content()
    assert page.locator("[data-prescription-version='1']").is_visible()
    assert page.console_errors == []
