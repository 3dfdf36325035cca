"""Private files in S3: uploads, validation, previews, photos, the lab hand-off and erasure against a
real S3-compatible server (moto's, over HTTP on 127.0.0.1; fixtures `s3_server`, `s3_bucket` and
`s3_storage` in the root conftest). Nothing here mocks boto: what the site wrote is read back with a
plain boto3 client and signed URLs are fetched with requests.

moto checks that an object is private (an unsigned GET is 403) but does not enforce a presigned
URL's expiry or signature, so the expiry is checked on the URL itself (SigV4, `X-Amz-Expires`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessments.models import AssessmentPhoto
from assessments.tests.factories import clinician
from assessments.tests.steps import STEP_DATA, answer_step, url
from fitsperfect.accounts.privacy import erase_customer_data
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.scans import services as scan_services
from orders.scans.models import Scan
from orders.states import Status
from orders.tests.factories import make_ready_for_lab, paid_order, staff_user
from orders.tests.foot_meshes import foot_mesh
from tests.fakes.lab import fake_lab

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def left_stl() -> bytes:
    return foot_mesh(mirror=True, rotate_seed=11).export(file_type="stl")


@pytest.fixture(scope="module")
def right_stl() -> bytes:
    return foot_mesh().export(file_type="stl")


def _local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def _upload_both(client, order, left_stl, right_stl, capture):
    with capture(execute=True):  # the validation task runs when the upload commits
        response = client.post(
            reverse("orders:scans", args=[order.access_token]),
            {
                "left_scan": SimpleUploadedFile("my left.stl", left_stl),
                "right_scan": SimpleUploadedFile("right.stl", right_stl),
            },
        )
    assert response.status_code == 302, response.content.decode()[:500]
    return {scan.side: scan for scan in Scan.objects.filter(order=order)}


def _assert_signed_redirect(response, bucket, key: str, *, expire: int = 60) -> str:
    """A redirect to a SigV4 URL of exactly this object, short-lived, never cached or referred."""
    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == bucket.endpoint
    assert parts.path == f"/{bucket.name}/{key}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == [str(expire)]
    assert query["X-Amz-Signature"][0]
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    return location


def _sign_in(client: Client, user) -> None:
    """Signs in through the login page, as a person does (and as the lock-out checks see it)."""
    user.set_password("s3-tests-pass-4242")
    user.save(update_fields=["password"])
    response = client.post(
        reverse("login"), {"username": user.get_username(), "password": "s3-tests-pass-4242"}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _png(size=(40, 30), colour=(10, 200, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


# --- Uploads, validation and previews -----------------------------------------------------------


def test_a_scan_upload_lands_in_the_bucket_and_is_validated_and_previewed_from_it(
    s3_storage, settings, client, left_stl, right_stl, django_capture_on_commit_callbacks
):
    order = paid_order()
    scans = _upload_both(client, order, left_stl, right_stl, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    assert order.status == Status.SCANS_RECEIVED
    keys = s3_storage.object_keys()
    for side, content in (("left", left_stl), ("right", right_stl)):
        scan = scans[side]
        assert scan.status == Scan.Status.VALID and scan.is_current
        assert scan.measurements["length_mm"] == pytest.approx(260, abs=3)
        assert scan.file.name.startswith("scans/") and scan.file.name in keys
        assert s3_storage.read(scan.file.name) == content  # the bytes the customer sent
        assert scan.sha256 == hashlib.sha256(content).hexdigest()
        assert scan.preview.name.startswith("scan-previews/") and scan.preview.name in keys
        assert s3_storage.read(scan.preview.name)[:8] == PNG_MAGIC
    assert "my left" not in " ".join(keys)  # random names only
    assert _local_files(settings) == []  # nothing was written to the local private folder


def test_the_preview_redirects_to_a_signed_url_that_works_and_the_object_is_not_public(
    s3_storage, client, left_stl, right_stl, django_capture_on_commit_callbacks
):
    order = paid_order()
    scans = _upload_both(client, order, left_stl, right_stl, django_capture_on_commit_callbacks)
    scan = scans["left"]
    response = client.get(reverse("orders:scan_preview", args=[order.access_token, scan.pk]))
    location = _assert_signed_redirect(response, s3_storage, scan.preview.name)

    signed = requests.get(location, timeout=10)
    assert signed.status_code == 200
    assert signed.content == s3_storage.read(scan.preview.name)
    assert signed.content[:8] == PNG_MAGIC
    assert signed.headers["Content-Type"] == "image/png"
    assert "no-store" in signed.headers.get("Cache-Control", "")

    unsigned = requests.get(location.split("?", 1)[0], timeout=10)
    assert unsigned.status_code == 403  # the object is private: only a signed URL reads it
    assert PNG_MAGIC not in unsigned.content
    scan_file = requests.get(
        f"{s3_storage.endpoint}/{s3_storage.name}/{scan.file.name}", timeout=10
    )
    assert scan_file.status_code == 403


def test_staff_previews_redirect_too_after_the_permission_check(
    s3_storage, client, left_stl, right_stl, django_capture_on_commit_callbacks
):
    order = paid_order()
    scan = _upload_both(client, order, left_stl, right_stl, django_capture_on_commit_callbacks)[
        "right"
    ]
    url = reverse("orders:staff_scan_preview", args=[scan.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and s3_storage.endpoint not in anonymous["Location"]
    staff = Client()
    _sign_in(staff, staff_user())
    location = _assert_signed_redirect(staff.get(url), s3_storage, scan.preview.name)
    assert requests.get(location, timeout=10).content[:8] == PNG_MAGIC


def test_customer_b_never_gets_a_signed_url_for_a_scan_of_customer_a(
    s3_storage, left_stl, right_stl, django_capture_on_commit_callbacks, django_user_model
):
    order_a = paid_order(email="a@example.com")
    order_b = paid_order(email="b@example.com")
    customer_a, customer_b = Client(), Client()
    scan_a = _upload_both(
        customer_a, order_a, left_stl, right_stl, django_capture_on_commit_callbacks
    )["left"]
    assert (
        customer_a.get(
            reverse("orders:scan_preview", args=[order_a.access_token, scan_a.pk])
        ).status_code
        == 302
    )
    # B holds their own order's link and guesses A's scan id: refused before anything is signed.
    response = customer_b.get(
        reverse("orders:scan_preview", args=[order_b.access_token, scan_a.pk])
    )
    assert response.status_code == 404 and "Location" not in response
    assert s3_storage.endpoint.encode() not in response.content
    # A signed-in customer without staff permission gets nothing from the staff route either.
    person = django_user_model.objects.create_user("bee", "b@example.com", "pw-for-b-123456")
    _sign_in(customer_b, person)
    response = customer_b.get(reverse("orders:staff_scan_preview", args=[scan_a.pk]))
    assert response.status_code == 403 and "Location" not in response


def test_local_storage_still_streams_previews(
    client, left_stl, right_stl, django_capture_on_commit_callbacks
):
    order = paid_order()
    scan = _upload_both(client, order, left_stl, right_stl, django_capture_on_commit_callbacks)[
        "left"
    ]
    response = client.get(reverse("orders:scan_preview", args=[order.access_token, scan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:8] == PNG_MAGIC


# --- Assessment photos --------------------------------------------------------------------------


def _answered_until_photos() -> Client:
    """A visitor who answered every question before the photos step, giving the health-data
    consent first when the site asks for it (the first question redirects to it)."""
    client = Client()
    first = client.get(url("about-you"))
    if first.status_code == 302:
        assert client.post(first.url, {"agree": "on"}).status_code == 302
    for slug in STEP_DATA:
        if slug == "photos":
            break
        assert answer_step(client, slug).status_code == 302, slug
    return client


def test_an_assessment_photo_round_trip_through_the_bucket(
    s3_storage, settings, django_capture_on_commit_callbacks
):
    client = _answered_until_photos()
    content = _png()
    upload = io.BytesIO(content)
    upload.name = "my-foot.png"
    assert client.post(url("photos"), {"left_behind": upload}).status_code == 302
    photo = AssessmentPhoto.objects.get()
    assert photo.file.name.startswith("assessment-photos/")
    assert s3_storage.object_keys("assessment-photos/") == [photo.file.name]
    stored = s3_storage.read(photo.file.name)
    assert Image.open(io.BytesIO(stored)).size == (40, 30)
    assert _local_files(settings) == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:check"), {"contact_email": "me@example.com"})
    assessment = photo.assessment
    assessment.refresh_from_db()
    assert response.url == reverse("assessments:result", kwargs={"token": assessment.token})
    view = client.get(reverse("assessments:photo", args=[assessment.token, "left_behind"]))
    location = _assert_signed_redirect(view, s3_storage, photo.file.name)
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200 and fetched.content == stored
    assert fetched.headers["Content-Type"] == "image/png"
    assert fetched.headers["Content-Disposition"] == 'inline; filename="left_behind.png"'
    # A wrong token never reaches the storage; a clinician's route signs after its own check.
    assert (
        Client().get(reverse("assessments:photo", args=["x" * 43, "left_behind"])).status_code
        == 404
    )
    reviewer = Client()
    _sign_in(reviewer, clinician())
    clinic = reviewer.get(reverse("assessments:clinic_photo", args=[assessment.pk, "left_behind"]))
    assert (
        requests.get(
            _assert_signed_redirect(clinic, s3_storage, photo.file.name), timeout=10
        ).content
        == stored
    )


def test_replacing_and_removing_a_draft_photo_deletes_the_objects(
    s3_storage, django_capture_on_commit_callbacks
):
    client = _answered_until_photos()
    first = io.BytesIO(_png(colour=(1, 2, 3)))
    first.name = "a.png"
    client.post(url("photos"), {"left_behind": first})
    old_name = AssessmentPhoto.objects.get().file.name
    second = io.BytesIO(_png(colour=(200, 2, 3)))
    second.name = "b.png"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("photos"), {"left_behind": second})
    new_name = AssessmentPhoto.objects.get().file.name
    assert s3_storage.object_keys("assessment-photos/") == [new_name] and new_name != old_name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("photos"), {"remove": "left_behind"})
    assert s3_storage.object_keys("assessment-photos/") == []


# --- The lab hand-off reads from the bucket -------------------------------------------------------


def test_the_lab_hand_off_over_http_reads_the_scans_from_s3(
    s3_storage, settings, django_capture_on_commit_callbacks
):
    with fake_lab("s3-lab-key") as lab:
        settings.LAB_TRANSPORT = "http"
        settings.LAB_API_URL = lab.url
        settings.LAB_API_KEY = "s3-lab-key"
        order = paid_order()
        with django_capture_on_commit_callbacks(execute=True):
            make_ready_for_lab(order)
        submission = LabSubmission.objects.get(order=order)
        submission.refresh_from_db()
        assert submission.status == LabSubmission.Status.SUBMITTED, submission.last_error
        received = lab.submissions[str(submission.pk)]
        scans = {scan.side: scan for scan in Scan.objects.filter(order=order)}
        for side in ("left", "right"):
            stored = s3_storage.read(scans[side].file.name)
            assert received.files[f"{side}_scan.stl"] == hashlib.sha256(stored).hexdigest()
            assert received.sizes[f"{side}_scan.stl"] == len(stored)
    assert _local_files(settings) == []
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB


def test_the_drop_folder_transport_copies_the_scans_out_of_s3(
    s3_storage, settings, django_capture_on_commit_callbacks
):
    settings.LAB_TRANSPORT = "folder"
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == LabSubmission.Status.SUBMITTED, submission.last_error
    folder = next(Path(settings.LAB_DROP_DIR).iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["files"]:
        copied = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(copied).hexdigest() == entry["sha256"]
        scan = Scan.objects.get(order=order, side=entry["role"].split("_")[0], is_current=True)
        assert copied == s3_storage.read(scan.file.name)


def test_a_scan_missing_from_the_bucket_is_a_permanent_lab_error(
    s3_storage, settings, django_capture_on_commit_callbacks
):
    settings.LAB_TRANSPORT = "folder"
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_ready_for_lab(order)
    left = Scan.objects.get(order=order, side="left")
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=left.file.name)
    for callback in callbacks:
        callback()
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == LabSubmission.Status.FAILED
    assert "missing" in submission.last_error and left.file.name in submission.last_error


# --- Erasure and the purge delete objects -----------------------------------------------------------


def test_erasure_deletes_the_customers_objects_from_the_bucket(
    s3_storage, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from assessments.tests.factories import submitted

    order = paid_order(email="erase-me@example.com")
    assessment = submitted()
    assessment.contact_email = "erase-me@example.com"
    assessment.save()
    photo = AssessmentPhoto(
        assessment=assessment, kind="footprint", content_type="image/png", width=1, height=1
    )
    photo.file.save("x.png", ContentFile(_png()), save=False)
    photo.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)  # two scans in the bucket
    Order.objects.filter(pk=order.pk).update(status=Status.DELIVERED)
    other = paid_order(email="keep-me@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(other)
    kept = [scan.file.name for scan in Scan.objects.filter(order=other)]
    mine = [scan.file.name for scan in Scan.objects.filter(order=order)] + [photo.file.name]
    assert set(mine + kept) <= set(s3_storage.object_keys())

    with django_capture_on_commit_callbacks(execute=True):
        report = erase_customer_data(email="erase-me@example.com", actor="dpo")
    assert report.files_deleted == 3
    remaining = s3_storage.object_keys()
    assert not set(mine) & set(remaining)
    assert set(kept) <= set(remaining)  # the other customer's scans stay


def test_the_rejected_scan_purge_deletes_objects_from_the_bucket(
    s3_storage, client, django_capture_on_commit_callbacks
):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("orders:scans", args=[order.access_token]),
            {"left_scan": SimpleUploadedFile("broken.stl", b"solid nothing\nendsolid nothing\n")},
        )
    scan = Scan.objects.get(order=order)
    assert scan.status == Scan.Status.REJECTED and scan.file.name in s3_storage.object_keys()
    Scan.objects.filter(pk=scan.pk).update(created_at=timezone.now() - timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert scan_services.scans_rejected_purge(older_than_days=30) == 1
    assert s3_storage.object_keys("scans/") == []


# --- Settings ---------------------------------------------------------------------------------------


def _settings_in_subprocess(extra_env: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'backend': s.STORAGES['default']['BACKEND'], "
        "'options': {k: v for k, v in s.STORAGES['default'].get('OPTIONS', {}).items() "
        "if isinstance(v, (str, int, bool, type(None)))}, "
        "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "STORAGE_", "DJANGO_ENV"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "fitsperfect.settings", **extra_env})
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_storage_is_chosen_by_setting():
    local = _settings_in_subprocess({})
    assert local["backend"] == "django.core.files.storage.FileSystemStorage"
    s3 = _settings_in_subprocess(
        {
            "AWS_STORAGE_BUCKET_NAME": "fp-private",
            "AWS_S3_ENDPOINT_URL": "https://objects.example:9000",
            "AWS_S3_REGION_NAME": "eu-west-2",
            "AWS_QUERYSTRING_EXPIRE": "90",
        }
    )
    assert s3["backend"] == "storages.backends.s3.S3Storage"
    options = s3["options"]
    assert options["bucket_name"] == "fp-private" and options["querystring_expire"] == 90
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert options["querystring_auth"] is True and options["signature_version"] == "s3v4"
    assert "https://objects.example:9000" in s3["img_src"]  # redirected previews may load
    assert "https://objects.example:9000" not in local["img_src"]
    aws = _settings_in_subprocess(
        {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "fp-private",
            "AWS_S3_REGION_NAME": "eu-west-2",
        }
    )
    assert "https://fp-private.s3.eu-west-2.amazonaws.com" in aws["img_src"]


def test_s3_without_a_bucket_refuses_to_start():
    with pytest.raises(AssertionError, match="AWS_STORAGE_BUCKET_NAME"):
        _settings_in_subprocess({"STORAGE_BACKEND": "s3"})


# --- Memory stays flat while a large upload goes to S3 -------------------------------------------


@pytest.fixture
def s3_storage_in_another_process(settings, tmp_path):
    """The default storage on a moto server in its own process (`moto_server`), so this
    process's traced memory is the uploading side's only."""
    from benchmarks._stack import stop_process
    from conftest import S3Bucket
    from tests.processes import BIN, free_port, wait_until

    port = free_port()
    log = (tmp_path / "moto.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(endpoint, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    try:
        assert wait_until(answers, timeout=60), "moto_server did not start"
        bucket = S3Bucket(endpoint, "fp-memory").create()
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": bucket.options()},
        }
        yield bucket
    finally:
        stop_process(server, timeout=15)
        log.close()


def test_a_150_mb_scan_goes_to_s3_without_being_held_in_memory(
    s3_storage_in_another_process, tmp_path, django_capture_on_commit_callbacks
):
    import tracemalloc

    from orders.scans.uploads import StreamedUploadedFile

    size_mb = 150
    uploaded = StreamedUploadedFile("big.stl", "model/stl", None, None, str(tmp_path))
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    for _ in range(size_mb):
        uploaded.write(block)
        digest.update(block)
    uploaded.seek(0)
    uploaded.size = size_mb * 1024 * 1024
    uploaded.sha256 = digest.hexdigest()
    order = paid_order()
    tracemalloc.start()
    try:
        with django_capture_on_commit_callbacks(execute=False):  # no validation run here
            scan = scan_services.scan_upload(order=order, side="left", uploaded=uploaded)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        uploaded.close()
    bucket = s3_storage_in_another_process
    head = bucket.client.head_object(Bucket=bucket.name, Key=scan.file.name)
    assert head["ContentLength"] == size_mb * 1024 * 1024
    # Bounded parts in flight (fitsperfect.storage: 4 x 8 MB, plus the client's copies), never
    # the file: about 60 MB whether the scan has 64 or 160 MB.
    assert peak < 100 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB for a {size_mb} MB upload"


# --- In Chromium: the redirected preview loads under the CSP -------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(
    "bucket_allowed", [True, False], ids=["img-src-has-bucket", "img-src-without"]
)
def test_in_chromium_the_preview_comes_from_the_bucket_when_the_csp_allows_its_origin(
    page, live_server, settings, transactional_db, s3_storage, left_stl, right_stl, bucket_allowed
):
    from fitsperfect.storage import s3_origins

    order = paid_order()
    customer = Client()
    # transactional_db: validation runs (in-process) when the upload really commits.
    _upload_both(customer, order, left_stl, right_stl, _no_capture)
    assert set(Scan.objects.filter(order=order).values_list("status", flat=True)) == {"valid"}
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    img_src = [value for value in directives["img-src"] if s3_storage.endpoint not in value]
    if bucket_allowed:  # what settings.py adds when STORAGE_BACKEND=s3 (STORAGE_IMG_SRC)
        img_src += s3_origins(
            bucket=s3_storage.name, endpoint_url=s3_storage.endpoint, region="eu-west-2"
        )
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "img-src": img_src},
    }
    page.goto(reverse("orders:scans", args=[order.access_token]))
    images = page.locator(".scan-preview img")
    assert images.count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.scan-preview img')].every(i => i.complete)"
    )
    widths = images.evaluate_all("images => images.map(i => i.naturalWidth)")
    if bucket_allowed:
        assert all(width > 0 for width in widths), widths
        assert page.console_errors == []
    else:
        assert widths == [0, 0]
        assert any("Content Security Policy" in error for error in page.console_errors)


class _NoCapture:
    """Stands in for django_capture_on_commit_callbacks where commits are real (transactional_db)."""

    def __call__(self, execute: bool = True):
        import contextlib

        return contextlib.nullcontext()


_no_capture = _NoCapture()
