"""The lab manifest, schema 2.0 (issue 19): it carries the clinician's structured prescription,
the foot-posture scores and, when the lab ships to the customer, the delivery address; the
hand-off refuses an order without a current prescription; version 1.0 manifests still validate
against their own schema."""

from __future__ import annotations

import copy
import json

import pytest

from assessments.tests.factories import clinician, submitted
from orders import fulfilment
from orders.clinic import services as clinic_services
from orders.clinic.tests.factories import TYPICAL, add_prescription
from orders.lab import manifest as lab_manifest
from orders.lab import services as lab_services
from orders.lab.errors import LabPermanentError
from orders.lab.manifest import build_manifest, validate_manifest
from orders.lab.models import LabSubmission
from orders.lab.tests.test_lab_transports import PRESCRIPTION, make_payload
from orders.states import Status
from orders.tests.factories import add_valid_scan, create_order, pay

S = LabSubmission.Status

ADDRESS = {
    "name": "Ada Lovelace",
    "address_line1": "12 Marylebone Road",
    "address_line2": "",
    "city": "London",
    "region": "",
    "postcode": "NW1 5LR",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}
POSTURE = {
    "model_version": "2",
    "foot_type": "pronated",
    "left": {"score": 7.5, "band": "pronated"},
    "right": {"score": 4.17, "band": "typical"},
    "clinician_fpi": {"left": 6, "right": None},
}


def full_manifest(tmp_path) -> dict:
    return build_manifest(
        make_payload(
            tmp_path,
            posture=POSTURE,
            delivery={"ships_to": "customer", "address": ADDRESS},
        )
    )


# --- The schema ------------------------------------------------------------------------------------


def test_a_version_2_manifest_carries_the_prescription_posture_and_address(tmp_path):
    manifest = full_manifest(tmp_path)
    assert manifest["schema_version"] == lab_manifest.SCHEMA_VERSION == "2.0"
    assert manifest["prescription"]["rearfoot_post"]["left"] == {"direction": "varus", "degrees": 3}
    assert manifest["posture"]["left"]["score"] == 7.5
    assert manifest["delivery"]["address"]["postcode"] == "NW1 5LR"
    validate_manifest(json.loads(json.dumps(manifest)))


def test_without_a_prescription_no_manifest_is_built(tmp_path):
    with pytest.raises(LabPermanentError, match="No current prescription"):
        build_manifest(make_payload(tmp_path, prescription=None))


BREAKAGES = {
    "no-prescription": lambda m: m.pop("prescription"),
    "unknown-device": lambda m: m["prescription"].update(device_type="magic"),
    "post-too-steep": lambda m: m["prescription"]["rearfoot_post"]["left"].update(degrees=15),
    "none-with-degrees": lambda m: m["prescription"]["forefoot_post"]["left"].update(degrees=2),
    "varus-of-zero": lambda m: m["prescription"]["rearfoot_post"]["right"].update(degrees=0),
    "heel-cup-too-deep": lambda m: m["prescription"].update(heel_cup_depth_mm=35),
    "dress-deep-cup": lambda m: m["prescription"].update(device_type="dress", heel_cup_depth_mm=18),
    "accommodative-rigid": lambda m: m["prescription"].update(
        {"device_type": "accommodative", "shell": {"material": "eva", "rigidity": "rigid"}}
    ),
    "heel-lift-too-high": lambda m: m["prescription"]["additions"].update(heel_lift_mm=20),
    "prescription-extra": lambda m: m["prescription"].update(posting="medial"),
    "posture-out-of-scale": lambda m: m["posture"]["left"].update(score=14),
    "no-posture-key": lambda m: m.pop("posture"),
    "ships-without-address": lambda m: m["delivery"].pop("address"),
    "address-when-we-ship": lambda m: m["delivery"].update(ships_to="fits_perfect"),
    "bad-country": lambda m: m["delivery"]["address"].update(country="United Kingdom"),
    "version-1-label": lambda m: m.update(schema_version="1.0"),  # v1 has no prescription
}


@pytest.mark.parametrize("breakage", BREAKAGES.values(), ids=BREAKAGES.keys())
def test_an_invalid_version_2_manifest_fails_the_schema(tmp_path, breakage):
    manifest = full_manifest(tmp_path)
    breakage(manifest)
    with pytest.raises(LabPermanentError, match="Invalid lab manifest"):
        validate_manifest(manifest)


def test_a_stored_version_1_manifest_still_validates_against_its_own_schema(tmp_path):
    """Submissions sent before 2.0 keep their manifests (the record of what the lab got)."""
    manifest = build_manifest(make_payload(tmp_path))
    old = {k: v for k, v in manifest.items() if k not in ("prescription", "posture", "delivery")}
    old["schema_version"] = "1.0"
    validate_manifest(old)
    broken = copy.deepcopy(old)
    broken["files"].pop(0)  # the v1 rules still bite: no left scan
    with pytest.raises(LabPermanentError, match="Invalid lab manifest"):
        validate_manifest(broken)
    import jsonschema

    for version in lab_manifest.SCHEMA_PATHS:
        jsonschema.Draft202012Validator.check_schema(lab_manifest.manifest_schema(version))


def test_the_schema_and_the_model_agree_on_the_clinical_ranges():
    from orders.clinic import models

    rx = lab_manifest.manifest_schema()["$defs"]["prescription"]["properties"]
    assert rx["heel_cup_depth_mm"]["minimum"] == models.HEEL_CUP_MM_MIN
    assert rx["heel_cup_depth_mm"]["maximum"] == models.HEEL_CUP_MM_MAX
    assert rx["additions"]["properties"]["heel_lift_mm"]["maximum"] == models.HEEL_LIFT_MM_MAX
    assert rx["arch_height_adjustment_mm"]["minimum"] == models.ARCH_ADJUST_MM_MIN
    post = lab_manifest.manifest_schema()["$defs"]["post"]["properties"]["degrees"]
    assert post["maximum"] == max(models.POST_DEGREES_MAX, -models.POST_DEGREES_MIN)
    assert rx["notes"]["maxLength"] == models.NOTES_MAX


# --- The hand-off ------------------------------------------------------------------------------------


def _scanned(order):
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    return order


def _scanned_and_approved(order, *, prescribe: bool):
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    if prescribe:
        add_prescription(order)
    fulfilment.order_approve_for_lab(order=order, actor=clinician("nurse"))
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_the_hand_off_refuses_an_order_without_a_current_prescription_and_keeps_it_queued(
    lab, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _scanned_and_approved(pay(create_order()), prescribe=False)
    assert order.status == Status.CLINICALLY_APPROVED  # ready, and waiting
    assert not LabSubmission.objects.filter(order=order).exists()
    assert order.lab_error == str(lab_services.NO_PRESCRIPTION)
    assert lab.accepted_count() == 0
    assert lab_services.lab_submission_create(order=order) is None  # asked again: still no

    with django_capture_on_commit_callbacks(execute=True):
        clinic_services.prescription_record(
            order=order, actor=clinician("nurse"), values=dict(TYPICAL)
        )
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == S.SUBMITTED
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB and order.lab_error == ""
    assert lab.submissions[str(submission.pk)].manifest["prescription"]["version"] == 1


@pytest.mark.django_db
def test_a_stored_submission_without_a_prescription_fails_with_a_clear_error(
    lab, django_capture_on_commit_callbacks
):
    """A row written before schema 2.0 (its snapshot has no prescription) is never sent as is."""
    with django_capture_on_commit_callbacks(execute=False):
        order = _scanned_and_approved(pay(create_order()), prescribe=True)
    submission = LabSubmission.objects.get(order=order)
    payload = dict(submission.payload)
    payload.pop("prescription")
    LabSubmission.objects.filter(pk=submission.pk).update(payload=payload)
    outcome = lab_services.lab_submission_send(submission_id=submission.pk)
    assert outcome.result == "failed" and "No current prescription" in outcome.error
    assert lab.accepted_count() == 0


@pytest.mark.django_db
def test_the_manifest_carries_the_latest_version_the_posture_scores_and_the_address(
    lab, settings, django_capture_on_commit_callbacks
):
    settings.LAB_SHIPS_TO_CUSTOMER = True
    assessment = submitted(left="2", right="1")
    order = pay(create_order(assessment=assessment))
    add_prescription(order, heel_lift_mm=2)
    add_prescription(order, heel_lift_mm=5)  # the current version
    _scanned(order)
    with django_capture_on_commit_callbacks(execute=True):
        from assessments import services as assessment_services

        assessment_services.review_create(
            assessment=assessment,
            reviewer=clinician("nurse"),
            decision="approved",
            fpi={"left_heel_tilt": 2, "left_arch_height": 1},
        )
    submission = LabSubmission.objects.get(order=order)
    manifest = lab.submissions[str(submission.pk)].manifest
    assert manifest["prescription"]["version"] == 2
    assert manifest["prescription"]["additions"]["heel_lift_mm"] == 5
    assessment.refresh_from_db()
    assert manifest["posture"]["left"]["score"] == pytest.approx(assessment.left_score, abs=0.01)
    assert manifest["posture"]["left"]["band"] == assessment.result["left"]["band"]
    assert manifest["posture"]["clinician_fpi"] == {"left": 3, "right": None}
    address = manifest["delivery"]["address"]
    assert manifest["delivery"]["ships_to"] == "customer"
    assert (address["name"], address["postcode"]) == (order.full_name, order.postcode)


@pytest.mark.django_db
def test_when_the_lab_ships_to_us_the_manifest_has_no_address(
    lab, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _scanned_and_approved(pay(create_order()), prescribe=True)
    manifest = LabSubmission.objects.get(order=order).manifest
    assert manifest["delivery"] == {"ships_to": "fits_perfect"}
    assert manifest["posture"] is None  # no assessment
    assert order.postcode not in json.dumps(manifest)


def test_the_fake_lab_refuses_a_manifest_that_breaks_the_schema(tmp_path):
    """The fake is as strict as the lab: it validates every manifest it receives."""
    import requests

    from tests.fakes.lab import fake_lab

    payload = make_payload(tmp_path)
    manifest = build_manifest(payload)
    manifest["prescription"]["heel_cup_depth_mm"] = 99
    with fake_lab("k") as server:
        files = [("manifest", ("manifest.json", json.dumps(manifest), "application/json"))]
        for item in payload.files:
            with open(item.path, "rb") as handle:
                content = handle.read()
            files.append(("files", (item.lab_name, content, "application/octet-stream")))
        response = requests.post(
            f"{server.url}/submissions",
            files=files,
            headers={"Authorization": "Bearer k", "Idempotency-Key": payload.submission_id},
            timeout=10,
        )
        assert response.status_code == 422
        assert "heel_cup_depth_mm" in response.json()["error"]
        assert server.accepted_count() == 0


def test_the_prescription_fixture_matches_what_the_model_writes():
    from datetime import UTC, datetime

    from orders.clinic.models import Prescription

    rx = Prescription(
        version=1,
        **{
            **TYPICAL,
            "rearfoot_post_left": 3,
            "rearfoot_post_right": 3,
            "forefoot_post_right": 0,
            "notes": "",
        },
    )
    rx.created_at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert rx.for_lab() == PRESCRIPTION
