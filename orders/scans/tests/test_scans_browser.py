"""In a real browser: upload both scans with progress bars, see preview and measurements, a clinician
approves, the (fake) lab receives the submission and reports "shipped", and the order page shows the
tracking number."""

from __future__ import annotations

import pytest

from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import create_order, pay
from orders.tests.foot_meshes import foot_mesh, save
from orders.tests.test_browser import _too_wide
from tests.fakes.lab import fake_lab

SECRET = "browser-lab-secret"


@pytest.mark.browser
def test_scans_to_lab_to_tracking_number(page, live_server, settings, transactional_db, tmp_path):
    from assessments import services as assessment_services
    from assessments.models import Assessment
    from assessments.tests.factories import clinician, submitted

    left, right = tmp_path / "left foot.stl", tmp_path / "right foot.stl"
    save(foot_mesh(mirror=True, rotate_seed=11), left)
    save(foot_mesh(), right)
    with fake_lab("browser-key") as lab:
        settings.LAB_TRANSPORT = "http"
        settings.LAB_API_URL = lab.url
        settings.LAB_API_KEY = "browser-key"
        settings.LAB_WEBHOOK_SECRET = SECRET
        assessment = submitted()
        order = pay(create_order(assessment=assessment))

        page.goto(order.get_absolute_url())
        page.get_by_role("link", name="Upload your foot scans").click()
        assert page.locator("h1").inner_text() == "Your foot scans"
        page.get_by_label("Left foot scan").set_input_files(str(left))
        page.get_by_label("Right foot scan").set_input_files(str(right))
        page.get_by_role("button", name="Upload").click()

        # The script shows one progress bar per file, with percent and a Cancel button.
        bars = page.locator(".scan-progress progress")
        bars.first.wait_for()
        assert bars.count() == 2
        assert page.locator(".scan-progress .scan-cancel").count() == 2
        page.wait_for_function(
            "() => [...document.querySelectorAll('.scan-progress progress')]"
            ".every(bar => bar.value === 100)",
            timeout=60_000,
        )
        assert page.locator(".scan-percent").all_inner_texts() == ["100%", "100%"]

        # Then the page reloads with the outcome: previews and measurements for each foot.
        page.locator(".scan-measurements").nth(1).wait_for(timeout=60_000)
        assert "left foot.stl" in page.content()
        assert page.locator("[data-measure=length]").first.inner_text() == "260 mm"
        previews = page.locator(".scan-preview img")
        assert previews.count() == 2
        page.wait_for_function(
            "() => [...document.querySelectorAll('.scan-preview img')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED
        page.set_viewport_size({"width": 320, "height": 640})
        assert _too_wide(page) == []
        page.set_viewport_size({"width": 1280, "height": 800})

        # A clinician prescribes and approves the assessment; the order goes to the lab
        # (in-process task). No order goes to the lab without a prescription (issue 19).
        from orders.clinic.tests.factories import add_prescription

        add_prescription(order)
        assessment_services.review_create(
            assessment=Assessment.objects.get(pk=assessment.pk),
            reviewer=clinician(),
            decision=Assessment.Decision.APPROVED,
            notes="Medial posting.",
        )
        assert lab.wait_for_accepted(1, timeout=60)
        submission = LabSubmission.objects.get(order=order)
        assert submission.status == LabSubmission.Status.SUBMITTED
        assert lab.submissions[str(submission.pk)].manifest["clinician_notes"] == "Medial posting."

        response = lab.post_event(
            live_server.url + "/webhooks/lab/",
            SECRET,
            str(submission.pk),
            "shipped",
            carrier="DHL",
            tracking_number="JD014600006281",
        )
        assert response.status_code == 200

        page.goto(order.get_absolute_url())
        assert page.locator(".tracking-number").inner_text() == "JD014600006281"
        assert "Shipped" in page.locator(".order-status").inner_text()
    assert page.console_errors == []
