"""Uploading foot scans and photos: validation outcomes, revisions, pairs, privacy and hostile files."""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from orders.models import Order
from orders.scans.models import FootPhoto, Scan
from orders.states import Status
from orders.tests.factories import clinician_user, create_order, paid_order, staff_user
from orders.tests.foot_meshes import foot_mesh

MB = 1024 * 1024


@pytest.fixture(scope="module")
def right_stl() -> bytes:
    return foot_mesh().export(file_type="stl")


@pytest.fixture(scope="module")
def left_stl() -> bytes:
    return foot_mesh(mirror=True, rotate_seed=11).export(file_type="stl")


@pytest.fixture
def order(db):
    return paid_order()


def scans_url(order) -> str:
    return reverse("orders:scans", args=[order.access_token])


def upload(client, order, capture, **files):
    """Posts files to the scan page with validation running when the upload commits."""
    data = {field: SimpleUploadedFile(name, content) for field, (name, content) in files.items()}
    with capture(execute=True):
        return client.post(scans_url(order), data)


def _jpeg(size=(64, 64), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def _binary_stl(triangles: np.ndarray) -> bytes:
    header = b"\0" * 80 + struct.pack("<I", len(triangles))
    records = np.zeros(len(triangles), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    records["v"] = triangles
    return header + records.tobytes()


# --- The happy path ---------------------------------------------------------------------------------


def test_both_valid_scans_are_measured_previewed_and_the_order_moves_on(
    client, order, left_stl, right_stl, django_capture_on_commit_callbacks
):
    response = upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("my left.stl", left_stl),
        right_scan=("right.stl", right_stl),
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED
    scans = {scan.side: scan for scan in Scan.objects.filter(order=order)}
    for side in ("left", "right"):
        scan = scans[side]
        assert scan.status == Scan.Status.VALID and scan.is_current and scan.revision == 1
        assert scan.measurements["length_mm"] == pytest.approx(260, abs=3)
        assert scan.unit == "mm" and scan.triangle_count > 10_000
        assert scan.preview and scan.file.name.startswith("scans/")
        assert "my left" not in scan.file.name and "right.stl" not in scan.file.name
        assert (
            Path(scan.file.path).read_bytes()[:80]
            == (left_stl if side == "left" else right_stl)[:80]
        )
    page = client.get(scans_url(order)).content.decode()
    assert "my left.stl" in page and "Foot length" in page and "260 mm" in page
    preview = client.get(
        reverse("orders:scan_preview", args=[order.access_token, scans["left"].pk])
    )
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    assert b"".join(preview.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_says_checking_until_the_task_has_run(client, order, right_stl):
    # No on-commit execution here: the validation task has not run yet.
    response = client.post(
        scans_url(order), {"right_scan": SimpleUploadedFile("right.stl", right_stl)}
    )
    assert response.status_code == 302
    page = client.get(scans_url(order)).content.decode()
    assert "Checking…" in page and 'http-equiv="refresh"' in page
    status = client.get(reverse("orders:scan_status", args=[order.access_token])).json()
    assert status["checking"] is True and status["scans"]["right"]["status"] == "uploaded"


def test_the_status_endpoint_reports_the_outcome(client, order, django_capture_on_commit_callbacks):
    upload(client, order, django_capture_on_commit_callbacks, left_scan=("x.stl", b""))
    status = client.get(reverse("orders:scan_status", args=[order.access_token])).json()
    assert status["checking"] is False
    assert status["scans"]["left"]["status"] == "rejected"
    assert "x.stl" in status["scans"]["left"]["message"]


def test_xhr_uploads_get_json(client, order, right_stl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            scans_url(order),
            {"right_scan": SimpleUploadedFile("right.stl", right_stl)},
            HTTP_ACCEPT="application/json",
        )
    assert response.status_code == 200 and response.json()["ok"] is True


# --- Rejections: each names the file and the reason, and touches nothing else ------------------------


def _hostile_files(right_stl: bytes) -> list[tuple[str, bytes, str, str]]:
    triangles = trimesh.load(io.BytesIO(right_stl), file_type="stl").triangles.astype(np.float32)
    nan = triangles.copy()
    nan[5, 1, 2] = np.nan
    point = np.zeros((600, 3, 3), dtype=np.float32)  # 600 triangles, all in one place
    box = trimesh.creation.box(extents=(260, 100, 60)).export(file_type="stl")
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 50
    return [
        ("photo.stl", _jpeg(), "not_a_mesh", "JPEG"),
        ("scan.obj", pdf, "not_a_mesh", "PDF"),
        ("noise.stl", random.Random(4).randbytes(20_000), "not_a_mesh", "noise.stl"),
        ("empty.stl", b"", "empty", "empty"),
        ("cut.stl", right_stl[: len(right_stl) // 2], "truncated", "truncated"),
        ("box.stl", box, "too_few_triangles", "12 triangles"),
        ("nan.stl", _binary_stl(nan), "non_finite", "NaN"),
        # A foot in an odd unit (e.g. 5 m long) is "scale unknown" for staff, not rejected.
        ("point.stl", _binary_stl(point), "implausible_size", "no extent"),
        ("notes.docx", b"whatever", "unsupported_format", "STL, OBJ and PLY"),
    ]


@pytest.mark.parametrize(
    "case",
    range(9),
    ids=["jpeg", "pdf", "noise", "empty", "truncated", "12-triangles", "nan", "one-point", "docx"],
)
def test_each_bad_file_is_rejected_with_its_name_and_reason_and_nothing_else_changes(
    client, order, right_stl, left_stl, django_capture_on_commit_callbacks, case
):
    name, data, code, words = _hostile_files(right_stl)[case]
    upload(client, order, django_capture_on_commit_callbacks, right_scan=("right.stl", right_stl))
    before = Order.objects.get(pk=order.pk)
    good = Scan.objects.get(order=order, side="right")

    upload(client, order, django_capture_on_commit_callbacks, left_scan=(name, data))

    scan = Scan.objects.get(order=order, side="left")
    assert scan.status == Scan.Status.REJECTED and not scan.is_current
    assert scan.rejection_code == code
    assert name in scan.rejection_message and words in scan.rejection_message
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.paid_at, after.amount_paid) == (
        before.status,
        before.paid_at,
        before.amount_paid,
    )
    good.refresh_from_db()
    assert good.status == Scan.Status.VALID and good.is_current
    page = client.get(scans_url(order)).content.decode()
    assert scan.rejection_message.replace("“", "&ldquo;")[:10] in page or name in page


def test_the_same_file_for_both_feet_rejects_the_second(
    client, order, right_stl, django_capture_on_commit_callbacks
):
    upload(client, order, django_capture_on_commit_callbacks, right_scan=("a.stl", right_stl))
    upload(client, order, django_capture_on_commit_callbacks, left_scan=("b.stl", right_stl))
    left = Scan.objects.get(order=order, side="left")
    assert left.status == Scan.Status.REJECTED and left.rejection_code == "same_file"
    assert "a.stl" in left.rejection_message and "b.stl" in left.rejection_message
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS


def test_swapped_feet_are_accepted_with_a_warning_on_the_page(
    client, order, left_stl, right_stl, django_capture_on_commit_callbacks
):
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("l.stl", right_stl),
        right_scan=("r.stl", left_stl),
    )
    assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED
    page = client.get(scans_url(order)).content.decode()
    assert "look swapped" in page


def test_an_ambiguous_unit_goes_to_staff_who_accept_it_in_admin(
    client, order, right_stl, django_capture_on_commit_callbacks
):
    child = foot_mesh(length=140.0)
    child.apply_scale(0.1)
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("child.stl", child.export(file_type="stl")),
        right_scan=("right.stl", right_stl),
    )
    left = Scan.objects.get(order=order, side="left")
    assert left.status == Scan.Status.NEEDS_REVIEW and not left.is_current
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS
    assert "a member of our team will look at it" in client.get(scans_url(order)).content.decode()

    staff = staff_user()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:scans_scan_changelist"),
            {"action": "action_accept", "_selected_action": [left.pk]},
            follow=True,
        )
    assert response.status_code == 200
    left.refresh_from_db()
    assert left.status == Scan.Status.VALID and left.is_current and left.accepted_by == staff
    assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED


def test_a_replacement_is_a_new_revision_and_the_old_one_is_kept(
    client, order, left_stl, right_stl, django_capture_on_commit_callbacks
):
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("l1.stl", left_stl),
        right_scan=("r1.stl", right_stl),
    )
    other_left = foot_mesh(mirror=True, rotate_seed=3).export(file_type="stl")
    upload(client, order, django_capture_on_commit_callbacks, left_scan=("l2.stl", other_left))
    revisions = list(Scan.objects.filter(order=order, side="left").order_by("revision"))
    assert [(s.revision, s.original_name, s.is_current) for s in revisions] == [
        (1, "l1.stl", False),
        (2, "l2.stl", True),
    ]
    assert Path(revisions[0].file.path).exists()
    assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED


def test_a_rejected_replacement_keeps_the_scan_in_use(
    client, order, left_stl, right_stl, django_capture_on_commit_callbacks
):
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("l1.stl", left_stl),
        right_scan=("r1.stl", right_stl),
    )
    upload(client, order, django_capture_on_commit_callbacks, left_scan=("oops.stl", b"junk"))
    current = Scan.objects.get(order=order, side="left", is_current=True)
    assert current.original_name == "l1.stl"
    assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED
    page = client.get(scans_url(order)).content.decode()
    assert "oops.stl" in page and "still using your earlier scan" in page


def test_an_approved_order_goes_to_the_lab_when_its_scans_are_valid(
    client, order, left_stl, right_stl, django_capture_on_commit_callbacks
):
    from orders import fulfilment
    from orders.clinic.tests.factories import add_prescription

    add_prescription(order)  # no order goes to the lab without one (issue 19)
    fulfilment.order_approve_for_lab(order=order, actor=clinician_user())
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("l.stl", left_stl),
        right_scan=("r.stl", right_stl),
    )
    order.refresh_from_db()
    # The default (folder) transport ran in-process: the order has reached the lab.
    assert order.status == Status.SENT_TO_LAB
    assert order.lab_submissions.get().status == "submitted"
    page = client.get(scans_url(order)).content.decode()
    assert 'type="file"' not in page  # no more uploads once it went to the lab
    response = client.post(
        scans_url(order), {"left_scan": SimpleUploadedFile("late.stl", left_stl)}
    )
    assert response.status_code == 400
    assert Scan.objects.filter(order=order, side="left").count() == 1


def test_an_unpaid_order_cannot_take_scans(client, db, right_stl):
    order = create_order()
    response = client.post(scans_url(order), {"right_scan": SimpleUploadedFile("r.stl", right_stl)})
    assert response.status_code == 400
    assert not Scan.objects.exists()


def test_an_empty_submit_explains_itself(client, order):
    response = client.post(scans_url(order), {})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


# --- Photos ------------------------------------------------------------------------------------------


def test_a_jpeg_with_gps_exif_is_stored_without_it(client, order):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotate 90°
    data = _jpeg((80, 40), exif=exif.tobytes())
    assert b"PhoneMaker" in data
    response = client.post(scans_url(order), {"left_photo": SimpleUploadedFile("me.jpg", data)})
    assert response.status_code == 302
    photo = FootPhoto.objects.get(order=order)
    stored = Path(photo.file.path).read_bytes()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and image.size == (40, 80)  # orientation applied
    assert photo.file.name.startswith("foot-photos/") and "me" not in photo.file.name


def test_a_decompression_bomb_png_is_refused_and_nothing_is_stored(client, order):
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, format="PNG")  # 144 Mpx in a few kB
    response = client.post(
        scans_url(order), {"right_photo": SimpleUploadedFile("bomb.png", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert "bomb.png" in response.content.decode() and "too large" in response.content.decode()
    assert not FootPhoto.objects.exists()


# --- Privacy -----------------------------------------------------------------------------------------


def test_previews_are_only_for_the_token_holder_staff_and_clinicians(
    client, order, right_stl, django_capture_on_commit_callbacks
):
    upload(client, order, django_capture_on_commit_callbacks, right_scan=("r.stl", right_stl))
    scan = Scan.objects.get(order=order)
    other = paid_order(email="other@example.com")
    assert (
        client.get(reverse("orders:scan_preview", args=[other.access_token, scan.pk])).status_code
        == 404
    )
    staff_url = reverse("orders:staff_scan_preview", args=[scan.pk])
    assert client.get(staff_url).status_code == 302  # to the login page
    nobody = User.objects.create_user("nobody", password="pw-nobody-12345")
    client.force_login(nobody)
    assert client.get(staff_url).status_code == 403
    client.force_login(staff_user())
    assert client.get(staff_url).status_code == 200
    # A clinician sees it too: an order without an assessment waits for their approval (issue 14).
    clinician = User.objects.create_user("doc", password="pw-doc-1234567")
    client.force_login(clinician)
    assert client.get(staff_url).status_code == 403
    clinician.user_permissions.add(
        Permission.objects.get(codename="review_assessment", content_type__app_label="assessments")
    )
    assert order.assessment_id is None
    assert client.get(staff_url).status_code == 200


def test_the_clinician_panel_lists_scans_measurements_and_preview_links(
    client, order, right_stl, left_stl, django_capture_on_commit_callbacks
):
    from assessments.models import Assessment
    from assessments.signals import clinic_panels

    assessment = Assessment.objects.create()
    Order.objects.filter(pk=order.pk).update(assessment=assessment)
    upload(
        client,
        order,
        django_capture_on_commit_callbacks,
        left_scan=("l.stl", left_stl),
        right_scan=("r.stl", right_stl),
    )
    panels = [panel for _r, panel in clinic_panels.send(sender=Assessment, assessment=assessment)]
    panel = next(p for p in panels if p)
    text = str(panel["rows"])
    assert "Left foot" in text and "Length 260 mm" in text.replace("length", "Length")
    assert len(panel["links"]) == 2
    assert "£" not in text and "gbp" not in text.lower()


# --- The size cap through a real server ---------------------------------------------------------------


def test_a_200_mb_scan_is_cut_off_at_the_cap_and_nothing_is_left(
    live_server, transactional_db, settings, tmp_path
):
    """Streams 200 MB from a generator (never in memory) to the real view with a 150 MB cap.

    The handler stops storing at the cap; the live server then drains the rest of the body itself
    (see test_uploads), gunicorn closes the connection (benchmarks/bench_upload.py)."""
    import requests

    from .test_uploads import _GeneratedBody

    temp = tmp_path / "upload-tmp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    settings.SCAN_MAX_UPLOAD_BYTES = 150 * MB
    order = paid_order()
    session = requests.Session()
    url = live_server.url + scans_url(order)
    session.get(url, timeout=30)
    token = session.cookies["csrftoken"]
    boundary = b"fp-test-boundary"
    body = _GeneratedBody(boundary, "left_scan", 200 * MB)  # generated on the fly, never held
    response = session.post(
        url,
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary.decode()}",
            "X-CSRFToken": token,
            "Referer": url,
            "Accept": "application/json",
        },
        timeout=300,
    )
    assert response.status_code == 413, response.text[:300]
    assert "150" in response.json()["errors"]["left_scan"]
    assert not list(temp.iterdir())
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert not Scan.objects.exists()
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS


@pytest.mark.worker
def test_a_real_worker_validates_uploads_and_the_page_shows_the_outcome(
    celery_worker, left_stl, right_stl
):
    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        message = "Needs PostgreSQL (SQLite's shared-cache test database cannot take two writers)."
        from conftest import IN_CI

        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    import time

    order = paid_order()
    client = Client()
    response = client.post(
        scans_url(order),
        {
            "left_scan": SimpleUploadedFile("l.stl", left_stl),
            "right_scan": SimpleUploadedFile("r.stl", right_stl),
        },
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Scan.objects.filter(is_current=True).count() < 2:
        time.sleep(0.1)
    assert Scan.objects.filter(order=order, is_current=True, status="valid").count() == 2
    assert Order.objects.get(pk=order.pk).status == Status.SCANS_RECEIVED
    status = client.get(reverse("orders:scan_status", args=[order.access_token])).json()
    assert status["checking"] is False
    assert "Foot length" in client.get(scans_url(order)).content.decode()


def test_a_file_that_keeps_killing_the_check_is_rejected_not_retried_forever(
    client, order, right_stl
):
    from orders.scans.services import MAX_CHECK_ATTEMPTS, scan_validate

    client.post(scans_url(order), {"right_scan": SimpleUploadedFile("evil.stl", right_stl)})
    scan = Scan.objects.get(order=order)
    # Each earlier run died before recording anything (as a SIGKILLed worker would).
    Scan.objects.filter(pk=scan.pk).update(
        status=Scan.Status.CHECKING, check_attempts=MAX_CHECK_ATTEMPTS
    )
    scan_validate(scan_id=scan.pk)
    scan.refresh_from_db()
    assert scan.status == Scan.Status.REJECTED and scan.rejection_code == "unprocessable"
    assert "evil.stl" in scan.rejection_message
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS


@pytest.mark.django_db
def test_rejected_uploads_are_purged_after_the_retention_period(
    catalogue, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from orders.scans.services import scans_rejected_purge
    from orders.scans.tasks import purge_rejected_scans
    from orders.tests.factories import add_valid_scan

    settings.REJECTED_UPLOAD_RETENTION_DAYS = 30
    order = paid_order()
    old_rejected = add_valid_scan(order, "left")
    recent_rejected = add_valid_scan(order, "left")
    old_valid = add_valid_scan(order, "right")
    Scan.objects.filter(pk__in=[old_rejected.pk, recent_rejected.pk]).update(
        status=Scan.Status.REJECTED, is_current=False
    )
    long_ago = timezone.now() - timedelta(days=31)
    Scan.objects.filter(pk__in=[old_rejected.pk, old_valid.pk]).update(created_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete commits
        assert purge_rejected_scans.delay().get() == 1  # the beat task, run in-process here
    assert not Scan.objects.filter(pk=old_rejected.pk).exists()
    assert not default_storage.exists(old_rejected.file.name)
    assert Scan.objects.filter(pk__in=[recent_rejected.pk, old_valid.pk]).count() == 2
    assert default_storage.exists(old_valid.file.name)
    assert scans_rejected_purge() == 0  # nothing left to purge


class _SlowStorage:
    """A private folder whose saves wait for the test, like a long upload to an object store."""

    started = None
    release = None

    @classmethod
    def make(cls, location: str):
        from django.core.files.storage import FileSystemStorage

        class Slow(FileSystemStorage):
            def _save(self, name, content):
                cls.started.set()
                assert cls.release.wait(30), "the test never released the upload"
                return super()._save(name, content)

        return Slow(location=location)


@pytest.mark.django_db(transaction=True)
def test_the_order_is_not_locked_while_a_scan_is_stored(settings, tmp_path):
    """A slow store (S3, 150 MB) must not hold the order's row lock: webhooks and the other foot's
    upload would wait behind it. PostgreSQL only: SQLite has no row locks (CI runs this)."""
    import threading

    from django.db import connection, connections, transaction

    from orders.scans import services as scan_services

    if connection.vendor != "postgresql":
        pytest.skip("Row locks are PostgreSQL's (CI runs this there).")
    order = paid_order()
    _SlowStorage.started, _SlowStorage.release = threading.Event(), threading.Event()
    field = Scan._meta.get_field("file")
    original = field.storage
    field.storage = _SlowStorage.make(str(tmp_path))
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            scan_services.scan_upload(
                order=order,
                side="left",
                uploaded=SimpleUploadedFile("left.stl", b"solid x\nendsolid x\n"),
            )
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=upload)
    try:
        worker.start()
        assert _SlowStorage.started.wait(30)
        with transaction.atomic():  # NOWAIT: raises at once if the upload holds the lock
            Order.objects.select_for_update(nowait=True).get(pk=order.pk)
        _SlowStorage.release.set()
        worker.join(30)
    finally:
        _SlowStorage.release.set()
        field.storage = original
    assert not errors, errors
    assert Scan.objects.filter(order=order, side="left", revision=1).count() == 1


def test_a_scan_the_order_refuses_once_locked_leaves_no_file(order, monkeypatch):
    """Stored first, then refused under the lock (the order changed meanwhile): the file goes."""
    from orders.scans import services as scan_services

    answers = iter([True, False])  # accepts before storing, refuses once locked
    monkeypatch.setattr(scan_services, "order_accepts_scans", lambda _order: next(answers))
    storage = Scan._meta.get_field("file").storage
    with pytest.raises(scan_services.UploadRefused):
        scan_services.scan_upload(
            order=order, side="left", uploaded=SimpleUploadedFile("l.stl", b"solid x\n")
        )
    assert not Scan.objects.filter(order=order).exists()
    _dirs, files = storage.listdir("scans") if storage.exists("scans") else ([], [])
    assert files == []
