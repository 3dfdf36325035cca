"""In a real browser: a foam-box scan in an odd unit waits for review; staff set its scale in the
admin; a clinician sees both scans side by side in 3D, turns one with the keyboard, and reads the
corrected measurements. (Approving the order for the lab is the clinic's own browser test.)"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from orders.scans.models import Scan
from orders.scans.services import scan_upload
from orders.tests.factories import clinician_user, paid_order, staff_user
from orders.tests.foot_meshes import foot_mesh

ODD_UNIT = 1 / 3.7  # a scanning app's own unit: no standard unit gives a foot this long


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _upload(order, side: str, mesh, name: str) -> Scan:
    scan_upload(
        order=order, side=side, uploaded=SimpleUploadedFile(name, mesh.export(file_type="stl"))
    )
    return Scan.objects.filter(order=order, side=side).latest("revision")


@pytest.mark.browser
def test_staff_set_the_scale_and_a_clinician_sees_both_feet_in_3d(
    page, live_server, transactional_db
):
    order = paid_order()
    left_mesh = foot_mesh(mirror=True, rotate_seed=11)
    left_mesh.apply_scale(ODD_UNIT)
    left = _upload(order, "left", left_mesh, "left foot.stl")
    right = _upload(order, "right", foot_mesh(), "right foot.stl")
    left.refresh_from_db()
    right.refresh_from_db()
    assert (left.status, left.scale_status) == (Scan.Status.NEEDS_REVIEW, "unknown")
    assert right.status == Scan.Status.VALID

    # Staff open the scan in review and set its scale from the foot length the customer measured.
    _sign_in(page, live_server, staff_user())
    page.goto(f"/admin/scans/scan/{left.pk}/change/")
    page.get_by_role("link", name="Set the scale").click()
    page.get_by_label("The foot is this long").check()
    page.get_by_label("Foot length in mm (heel to longest toe)").fill("255")
    page.get_by_role("button", name="Set the scale of this scan").click()
    message = page.locator(".messagelist")
    message.wait_for()
    assert "The scan was measured again with the new scale." in message.inner_text()
    left.refresh_from_db()
    assert (left.status, left.scale_status, left.is_current) == (
        Scan.Status.VALID,
        "set_by_staff",
        True,
    )
    assert abs(left.measurements["length_mm"] - 255) <= 3
    assert left.viewer_mesh and left.preview
    # The admin's own 3D view of the scan loads too.
    page.wait_for_selector("[data-scan-viewer][data-viewer-ready=true]", timeout=30_000)

    # The clinician sees both feet side by side, each in 3D, and turns one with the keyboard.
    _sign_in(page, live_server, clinician_user())
    page.goto(f"/clinic/orders/{order.pk}/")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-viewer-ready=true]').length === 2",
        timeout=30_000,
    )
    sides = page.locator(".scan-view-side")
    assert sides.count() == 2
    left_side = page.locator(".scan-view-side[data-side=left]")
    assert left_side.get_by_role("img", name="Sole of the left foot, toes at the top").count() == 1
    assert "Set by our team" in left_side.inner_text()
    assert f"{round(left.measurements['length_mm'])} mm" in left_side.inner_text()
    canvas = left_side.locator("canvas")
    before = canvas.evaluate("c => c.toDataURL()")
    canvas.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("+")
    assert canvas.evaluate("c => c.toDataURL()") != before
    left_side.get_by_role("button", name="Reset view").click()
    assert page.console_errors == []


@pytest.mark.browser
def test_a_foam_impression_in_an_odd_unit_reaches_the_lab_measured_on_its_imprint(
    page, live_server, settings, transactional_db, lab
):
    """Issue 15's "done when", end to end: a foam-impression scan in a scanning app's own unit is
    measured on the imprint and flagged for scale; staff fix the scale in the admin; a clinician
    looks at both feet in 3D and approves with a prescription; the lab's manifest carries the
    corrected measurements."""
    from assessments.tests.factories import submitted
    from orders.lab.models import LabSubmission
    from orders.scans.tests.mesh_corpus import LENGTH, impression_mesh
    from orders.tests.factories import create_order, pay

    settings.RATE_LIMITS_ENABLED = False
    order = pay(create_order(assessment=submitted(left="2", right="1")))
    foam = impression_mesh(mirror=True)
    foam.apply_scale(ODD_UNIT)
    left = _upload(order, "left", foam, "left foam box.stl")
    right = _upload(order, "right", foot_mesh(), "right foot.stl")
    left.refresh_from_db()
    right.refresh_from_db()
    assert (left.kind, left.status, left.scale_status) == (
        "impression",
        Scan.Status.NEEDS_REVIEW,
        "unknown",
    )
    assert right.status == Scan.Status.VALID

    _sign_in(page, live_server, staff_user())
    page.goto(f"/admin/scans/scan/{left.pk}/change/")
    page.get_by_role("link", name="Set the scale").click()
    page.get_by_label("The foot is this long").check()
    page.get_by_label("Foot length in mm (heel to longest toe)").fill(str(int(LENGTH)))
    page.get_by_role("button", name="Set the scale of this scan").click()
    page.locator(".messagelist").wait_for()
    left.refresh_from_db()
    assert (left.status, left.scale_status) == (Scan.Status.VALID, "set_by_staff")
    measured = left.measurements
    assert abs(measured["length_mm"] - LENGTH) <= 3
    assert measured["heel_width_mm"] < measured["ball_width_mm"]  # the imprint, not the box

    _sign_in(page, live_server, clinician_user())
    page.goto(f"/clinic/orders/{order.pk}/")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-viewer-ready=true]').length === 2",
        timeout=30_000,
    )
    canvas = page.locator(".scan-view-side[data-side=left] canvas")
    before = canvas.evaluate("c => c.toDataURL()")
    canvas.focus()
    page.keyboard.press("ArrowRight")
    assert canvas.evaluate("c => c.toDataURL()") != before  # the clinician turned it round
    page.get_by_role("button", name="Approve for the lab with this prescription").click()
    page.get_by_text(f"Order {order.number} is approved for the lab.").wait_for()

    assert lab.wait_for_accepted(1, timeout=60)
    submission = LabSubmission.objects.get(order=order)
    manifest = lab.submissions[str(submission.pk)].manifest
    sent = manifest["measurements"]["left"]
    assert abs(sent["length"] - measured["length_mm"]) < 0.5
    assert sent["heel_width"] < sent["forefoot_width"]
    assert manifest["prescription"]["version"] == 1
    assert page.console_errors == []
