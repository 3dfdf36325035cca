"""Review that leads somewhere: staff reject, swap, download and accept scans from the admin; the
customer and the admin are told one story; clinicians see both scans; the how-to page."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.urls import reverse

from fitsperfect.models import OutboxEmail
from orders.models import OrderStatusChange
from orders.scans import selectors
from orders.scans.models import Scan
from orders.scans.review import services as review
from orders.scans.review.forms import RejectForm
from orders.scans.services import order_accepts_scans
from orders.states import Status
from orders.tests.factories import (
    add_valid_scan,
    clinician_user,
    paid_order,
    passed_screen,
    pay,
    staff_user,
)

S = Scan.Status


@pytest.fixture
def order(catalogue):
    return paid_order()


def in_review(order, side: str) -> Scan:
    """A scan the check sent to staff (an unsure scale), as the upload path leaves it: the
    side's scan in use (if any) stays in use."""
    before = Scan.objects.filter(order=order, side=side, is_current=True).first()
    scan = add_valid_scan(order, side)
    Scan.objects.filter(pk=scan.pk).update(
        status=S.NEEDS_REVIEW,
        is_current=False,
        scale_status="unknown",
        review_reasons=["No standard unit gives a foot length within UK 5.5 (236-246 mm)."],
    )
    if before is not None:
        Scan.objects.filter(pk=before.pk).update(is_current=True)
    scan.refresh_from_db()
    return scan


def review_url(scan: Scan, action: str) -> str:
    return reverse("admin:scans_scan_review", args=[scan.pk, action])


# --- Rejecting -------------------------------------------------------------------------------------


def test_rejecting_a_scan_in_review_keeps_the_usable_scan_and_emails_what_to_do(
    order, django_capture_on_commit_callbacks
):
    usable = add_valid_scan(order, "left")
    newer = in_review(order, "left")
    staff = staff_user()
    with django_capture_on_commit_callbacks(execute=True):
        review.scan_reject(scan=newer, actor=staff, reason="incomplete", note="The toes are cut.")
    newer.refresh_from_db()
    usable.refresh_from_db()
    assert newer.status == S.REJECTED and not newer.is_current
    assert newer.rejection_code == "staff_incomplete"
    assert "The toes are cut." in newer.rejection_message
    assert usable.is_current and usable.status == S.VALID
    email = OutboxEmail.objects.get(kind="scan_rejected", ref=order.number)
    assert email.to == order.email
    assert reverse("orders:scan_how_to") in email.text
    assert reverse("orders:scans", args=[order.access_token]) in email.text
    assert "heel to the tips of the toes" in email.text and "The toes are cut." in email.html
    note = OrderStatusChange.objects.filter(order=order, note__contains="rejected").get()
    assert note.actor == staff and "rejected the left foot scan" in note.note


def test_rejecting_the_scan_in_use_sends_the_order_back_to_waiting_for_scans(order):
    left, right = add_valid_scan(order, "left"), add_valid_scan(order, "right")
    from orders import fulfilment

    fulfilment.order_mark_scans_received(order=order)
    scans_needed_before = order.emails.filter(kind="scans_needed").count()
    review.scan_reject(scan=right, actor=staff_user(), reason="poor_quality")
    order.refresh_from_db()
    # One email says why and what to do; the general "we need your scans" is not sent as well.
    assert OutboxEmail.objects.filter(kind="scan_rejected", ref=order.number).count() == 1
    assert order.emails.filter(kind="scans_needed").count() == scans_needed_before
    right.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    assert order_accepts_scans(order)
    assert right.status == S.REJECTED and not right.is_current
    left.refresh_from_db()
    assert left.is_current


def test_other_needs_a_message_and_a_decided_rejection_cannot_be_rejected_again(order):
    scan = in_review(order, "left")
    response_form = RejectForm({"reason": "other", "note": "  "})
    assert not response_form.is_valid() and "note" in response_form.errors
    review.scan_reject(scan=scan, actor=staff_user(), reason="other", note="Wrong file.")
    with pytest.raises(review.ReviewRefused):
        review.scan_reject(scan=scan, actor=None, reason="other", note="Again.")


# --- Swapping --------------------------------------------------------------------------------------


def _foot_stl(*, left: bool) -> bytes:
    from orders.tests.foot_meshes import foot_mesh

    return foot_mesh(mirror=left, rotate_seed=3).export(file_type="stl")


def test_swapping_moves_each_scan_to_the_other_side_as_its_next_revision(order):
    left = add_valid_scan(order, "left", content=_foot_stl(left=False))
    right = add_valid_scan(order, "right", content=_foot_stl(left=True))
    add_valid_scan(order, "left", content=_foot_stl(left=False))  # revision 2 is in use
    current_left = Scan.objects.get(order=order, side="left", is_current=True)
    review.scans_swap_sides(order=order, actor=staff_user())
    current_left.refresh_from_db()
    right.refresh_from_db()
    left.refresh_from_db()
    assert (current_left.side, current_left.revision, current_left.is_current) == ("right", 2, True)
    assert (right.side, right.revision, right.is_current) == ("left", 3, True)
    assert (left.side, left.revision, left.is_current) == ("left", 1, False)
    notes = OrderStatusChange.objects.filter(order=order).values_list("note", flat=True)
    assert any("swapped the left and right scans" in note for note in notes)


def test_swapped_scans_get_previews_labelled_with_their_new_side(order):
    from orders.scans import meshes

    data = _foot_stl(left=True)
    add_valid_scan(order, "left", content=_foot_stl(left=False))
    uploaded_as_right = add_valid_scan(order, "right", content=data)
    review.scans_swap_sides(order=order, actor=staff_user())
    uploaded_as_right.refresh_from_db()
    assert uploaded_as_right.side == "left"
    report = meshes.inspect_mesh(io.BytesIO(data), filename="right.stl")
    drawn_left = meshes.render_sole_preview(report, side="left")
    drawn_right = meshes.render_sole_preview(report, side="right")
    assert drawn_left != drawn_right  # the label is in the image
    with uploaded_as_right.preview.open("rb") as stored:
        assert stored.read() == drawn_left


def test_swapping_needs_both_feet(order):
    add_valid_scan(order, "left")
    with pytest.raises(review.ReviewRefused):
        review.scans_swap_sides(order=order, actor=None)


# --- The admin ---------------------------------------------------------------------------------------


def test_staff_download_the_original_file_and_others_cannot(client, order):
    scan = add_valid_scan(order, "left", content=b"solid foot\nendsolid foot\n" * 40)
    url = reverse("admin:scans_scan_download", args=[scan.pk])
    client.force_login(staff_user())
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"solid foot\nendsolid foot\n" * 40
    assert "attachment" in response["Content-Disposition"]
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    assert client.get(url).status_code == 403


def test_the_scan_page_links_each_action_and_the_reject_page_confirms_first(
    client, order, django_capture_on_commit_callbacks
):
    scan = in_review(order, "left")
    client.force_login(staff_user())
    page = client.get(reverse("admin:scans_scan_change", args=[scan.pk])).content.decode()
    for action in ("accept", "scale", "swap", "reject"):
        assert review_url(scan, action) in page
    assert reverse("admin:scans_scan_download", args=[scan.pk]) in page
    confirm = client.get(review_url(scan, "reject"))
    assert confirm.status_code == 200
    assert "Why can we not use this scan?" in confirm.content.decode()
    scan.refresh_from_db()
    assert scan.status == S.NEEDS_REVIEW  # a GET changes nothing
    missing = client.post(review_url(scan, "reject"), {"reason": ""})
    assert missing.status_code == 200 and "Choose why the scan cannot be used" in (
        missing.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(review_url(scan, "reject"), {"reason": "not_a_foot", "note": ""})
    assert done.status_code == 302
    scan.refresh_from_db()
    assert scan.status == S.REJECTED


def test_accept_from_its_confirmation_page_records_who(client, order):
    scan = in_review(order, "left")
    staff = staff_user()
    client.force_login(staff)
    assert client.post(review_url(scan, "accept"), {}).status_code == 302
    scan.refresh_from_db()
    assert (scan.status, scan.is_current, scan.accepted_by) == (S.VALID, True, staff)


def test_review_actions_need_the_accept_permission(client, order):
    scan = in_review(order, "left")
    client.force_login(User.objects.create_user("viewer", is_staff=True))
    assert client.get(review_url(scan, "reject")).status_code == 403
    client.force_login(staff_user())
    assert client.get(review_url(scan, "explode")).status_code == 404


# --- One story --------------------------------------------------------------------------------------


def test_a_scan_in_review_is_we_are_checking_it_never_upload_your_scans(client, order):
    add_valid_scan(order, "right")
    in_review(order, "left")
    story = selectors.order_scans_story(order)
    assert story["waiting_on_us"] and not story["needs_customer"]
    assert story["sides"]["left"]["state"] == "in_review"
    assert list(selectors.orders_with_scans_to_review()) == [order]
    html = client.get(reverse("orders:scans", args=[order.access_token])).content.decode()
    assert "We are checking your scans." in html
    assert "Please upload your scans." not in html
    assert reverse("orders:scan_how_to") in html
    order_page = client.get(order.get_absolute_url()).content.decode()
    assert "We are checking your scans." in order_page
    assert "Upload your foot scans" not in order_page


def test_a_scan_staff_accepted_says_our_team_checked_it_not_a_clinician(client, order):
    add_valid_scan(order, "right")
    scan = in_review(order, "left")
    from orders.scans.services import scan_accept_after_review

    scan_accept_after_review(scan=scan, actor=staff_user())
    story = selectors.order_scans_story(order)
    assert story["ready"] and story["headline"] == "Our team checked your scans."
    assert list(selectors.orders_with_scans_to_review()) == []
    html = client.get(reverse("orders:scans", args=[order.access_token])).content.decode()
    assert "Our team checked this scan and accepted it." in html
    assert "clinician approved" not in html.lower()


def test_a_review_superseded_by_a_newer_upload_waits_on_nobody(order):
    in_review(order, "left")
    add_valid_scan(order, "left")
    assert list(selectors.orders_with_scans_to_review()) == []


# --- Clinicians, the 3D copy, the how-to page ------------------------------------------------------


def test_clinicians_see_both_scans_side_by_side_with_the_3d_view(client, order):
    left, right = add_valid_scan(order, "left"), add_valid_scan(order, "right")
    from django.core.files.base import ContentFile

    left.viewer_mesh.save("viewer.stl", ContentFile(b"\0" * 84), save=True)
    Scan.objects.filter(pk=right.pk).update(kind="impression", scale_status="set_by_staff")
    client.force_login(clinician_user())
    html = client.get(reverse("orders:clinic_order", args=[order.pk])).content.decode()
    assert 'data-side="left"' in html and 'data-side="right"' in html
    assert "Sole of the left foot, toes at the top" in html
    assert reverse("orders:staff_scan_viewer_mesh", args=[left.pk]) in html
    assert "vendor/three/three.module.js" in html and "js/scan-viewer.js" in html
    assert "Impression (a foam box or cast)" in html and "Set by our team" in html
    mesh = client.get(reverse("orders:staff_scan_viewer_mesh", args=[left.pk]))
    assert mesh.status_code == 200 and mesh["Content-Type"] == "model/stl"


def test_the_3d_copy_is_for_staff_and_clinicians_only(client, order):
    scan = add_valid_scan(order, "left")
    from django.core.files.base import ContentFile

    scan.viewer_mesh.save("viewer.stl", ContentFile(b"\0" * 84), save=True)
    url = reverse("orders:staff_scan_viewer_mesh", args=[scan.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(User.objects.create_user("customer"))
    assert client.get(url).status_code == 403


def test_only_the_two_three_js_files_are_served_from_node_modules():
    found = finders.find("vendor/three/three.module.js")
    assert found and found.endswith("node_modules/three/build/three.module.js")
    assert finders.find("vendor/three/three.core.js")
    assert finders.find("vendor/three/three.cjs") is None
    assert finders.find("three.module.js") is None
    assert finders.find("vendor/three/../../axe-core/axe.js") is None


def test_the_how_to_page_covers_the_three_ways_with_pictures(client, db):
    response = client.get(reverse("orders:scan_how_to"))
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("foam impression box", "phone scanning app", "scanner"):
        assert heading in html
    assert html.count('<img src="/static/scans/how-to/') == 3 and "STL, OBJ or PLY" in html
    for name in ("impression-box", "phone-scan", "hold-foot"):
        assert finders.find(f"scans/how-to/{name}.svg")


# --- Setting the scale (the upload path's analysis again, with staff's scale) ---------------------


@pytest.fixture
def odd_unit_scan(order, django_capture_on_commit_callbacks):
    """A left foot exported in a scanning app's own unit: no standard unit fits the order's size."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from orders.scans.services import scan_upload
    from orders.tests.foot_meshes import foot_mesh

    mesh = foot_mesh(mirror=True, rotate_seed=11)
    mesh.apply_scale(1 / 3.7)
    with django_capture_on_commit_callbacks(execute=True):
        scan_upload(
            order=order,
            side="left",
            uploaded=SimpleUploadedFile("left.stl", mesh.export(file_type="stl")),
        )
    scan = Scan.objects.get(order=order, side="left")
    assert (scan.status, scan.scale_status) == (S.NEEDS_REVIEW, "unknown")
    return scan


def test_staff_set_the_foot_length_and_everything_is_measured_again(odd_unit_scan):
    from django.core.files.storage import default_storage

    scan = odd_unit_scan
    old_preview, old_viewer = scan.preview.name, scan.viewer_mesh.name
    staff = staff_user()
    review.scan_set_scale(scan=scan, actor=staff, foot_length_mm=250.0)
    scan.refresh_from_db()
    assert (scan.status, scan.scale_status, scan.is_current) == (S.VALID, "set_by_staff", True)
    assert abs(scan.measurements["length_mm"] - 250) <= 3
    assert scan.accepted_by == staff
    assert scan.preview.name != old_preview and scan.viewer_mesh.name != old_viewer
    assert default_storage.exists(scan.viewer_mesh.name)
    note = OrderStatusChange.objects.filter(order=scan.order, note__contains="scale").get()
    assert note.actor == staff and "foot length 250 mm" in note.note and "Accepted." in note.note


def test_a_unit_without_accepting_leaves_the_scan_in_review_with_new_measurements(odd_unit_scan):
    scan = odd_unit_scan
    review.scan_set_scale(scan=scan, actor=staff_user(), unit="cm", accept=False)
    scan.refresh_from_db()
    assert (scan.status, scan.scale_status, scan.unit) == (S.NEEDS_REVIEW, "set_by_staff", "cm")
    assert not scan.is_current
    with pytest.raises(review.ReviewRefused):
        review.scan_set_scale(scan=scan, actor=None)  # neither a unit nor a length


def test_the_scale_page_asks_for_a_length_when_that_is_the_choice(client, order):
    scan = in_review(order, "left")
    client.force_login(staff_user())
    response = client.post(review_url(scan, "scale"), {"how": "length", "foot_length_mm": ""})
    assert (
        response.status_code == 200 and "Enter the foot length in mm" in response.content.decode()
    )
    scan.refresh_from_db()
    assert scan.status == S.NEEDS_REVIEW


def test_the_lab_snapshot_carries_the_measurements_staff_corrected(odd_unit_scan):
    import uuid

    from orders.lab.services import _snapshot

    add_valid_scan(odd_unit_scan.order, "right")
    review.scan_set_scale(scan=odd_unit_scan, actor=staff_user(), foot_length_mm=248.0)
    snapshot = _snapshot(odd_unit_scan.order, uuid.uuid4(), 1)
    odd_unit_scan.refresh_from_db()
    assert snapshot["measurements"]["left"] == odd_unit_scan.measurements
    assert abs(snapshot["measurements"]["left"]["length_mm"] - 248) <= 3
    left_file = next(f for f in snapshot["files"] if f.get("scan_id") == odd_unit_scan.pk)
    assert left_file["scale_to_mm"] == odd_unit_scan.scale_to_mm


# --- The foam impression box as an order option ---------------------------------------------------


def test_the_impression_box_is_an_option_priced_on_the_line_and_told_to_the_customer(catalogue):
    from orders import services as order_services
    from orders.catalogue.models import Product, ProductOption
    from orders.emails import render_email
    from orders.models import OrderEmail

    product = Product.objects.get(slug="everyday")
    box = product.options.get(kind=ProductOption.Kind.IMPRESSION_BOX)
    choice = order_services.LineChoice(
        product=product, size_system="uk", size="5.5", top_cover_code="", impression_box=True
    )
    plain = order_services.LineChoice(product=product, size_system="uk", size="5.5")
    assert choice.priced()[0] == plain.priced()[0] + box.price_delta
    assert "Foam impression box" in choice.priced()[2]
    order = pay(
        order_services.order_create(
            lines=[choice],
            email="bo@example.com",
            full_name="Bo Example",
            address_line1="1 High Street",
            city="London",
            postcode="SW1A 1AA",
            country="GB",
            health_screen=passed_screen(),
        )
    )
    assert order.lines.get().impression_box
    story = selectors.order_scans_story(order)
    assert story["impression_box"] and "foam impression box" in story["headline"]
    email = OrderEmail.objects.get(order=order, kind=OrderEmail.Kind.SCANS_NEEDED)
    _subject, text, html = render_email(email)
    assert "we are posting it to you" in text and "we are posting it to you" in html
    assert reverse("orders:scan_how_to") in text


def test_the_clinicians_assessment_page_shows_the_linked_orders_scans(client, catalogue):
    from assessments.tests.factories import submitted

    assessment = submitted()
    linked = paid_order(assessment=assessment)
    add_valid_scan(linked, "left")
    add_valid_scan(linked, "right")
    client.force_login(clinician_user())
    url = reverse("assessments:clinic_assessment", args=[assessment.pk])
    html = client.get(url).content.decode()
    assert "Both feet side by side" in html
    assert "Sole of the right foot, toes at the top" in html
    assert "js/scan-viewer.js" in html
