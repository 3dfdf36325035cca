"""Handing a submission to the lab: both transports, the manifest schema and webhook signatures."""

import hashlib
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orders.lab import manifest as lab
from orders.lab.errors import LabPermanentError, LabTemporaryError
from orders.lab.manifest import LabFile, LabPayload, build_manifest, validate_manifest
from orders.lab.transports import FolderLabTransport, HttpLabTransport, get_transport
from orders.lab.webhooks import (
    WEBHOOK_SIGNATURE_HEADER,
    LabWebhookError,
    parse_lab_event,
    sign_lab_webhook,
    verify_lab_webhook,
)
from orders.scans.meshes import FootMeasurements
from tests.fakes.lab import fake_lab

API_KEY = "lab-key-123"


def _file(tmp_path, role, fmt, content: bytes, **extra) -> LabFile:
    path = tmp_path / "store" / f"{uuid.uuid4().hex}.{fmt}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return LabFile(
        role=role,
        path=str(path),
        format=fmt,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        **extra,
    )


# Schema 2.0: the clinician's prescription as `Prescription.for_lab()` writes it.
PRESCRIPTION = {
    "version": 1,
    "prescribed_at": "2026-11-25T13:00:00Z",
    "device_type": "functional",
    "shell": {"material": "polypropylene", "rigidity": "semi_rigid"},
    "rearfoot_post": {
        "left": {"direction": "varus", "degrees": 3},
        "right": {"direction": "varus", "degrees": 3},
    },
    "forefoot_post": {
        "left": {"direction": "none", "degrees": 0},
        "right": {"direction": "none", "degrees": 0},
    },
    "heel_cup_depth_mm": 16,
    "arch_height_adjustment_mm": 0,
    "top_cover": "eva",
    "extension": "none",
    "additions": {"metatarsal_pad": False, "heel_lift_mm": 0},
    "notes": "",
}


def make_payload(tmp_path, **overrides) -> LabPayload:
    scan = {"triangle_count": 14160, "bbox_mm": (260.0, 102.6, 65.0), "source_unit": "mm"}
    files = [
        _file(tmp_path, "left_scan", "stl", b"solid left\n" + os.urandom(3000), **scan),
        _file(tmp_path, "right_scan", "stl", b"solid right\n" + os.urandom(3000), **scan),
        _file(tmp_path, "left_photo", "jpeg", b"\xff\xd8\xff" + os.urandom(500)),
    ]
    feet = FootMeasurements(
        length_mm=260.2, ball_width_mm=102.5, heel_width_mm=64.1, arch_height_mm=15.0
    )
    values = {
        "submission_id": str(uuid.uuid4()),
        "order_number": "FP-2026-00042",
        "revision": 1,
        "created_at": datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
        "customer_reference": "cust_7f3a9b21",
        "product": "everyday-orthotic",
        "options": {"top_cover": "leather", "posting": "medial-3deg"},
        "shoe_size": "42",
        "shoe_size_system": "EU",
        "measurements": {"left": feet, "right": feet},
        "files": files,
        "clinician_notes": "Mild overpronation; medial posting.",
        "prescription": PRESCRIPTION,
        "posture": None,
        "delivery": {"ships_to": "fits_perfect"},
    }
    values.update(overrides)
    return LabPayload(**values)


# --- Manifest ----------------------------------------------------------------------------------------


def test_manifest_holds_what_the_lab_needs_and_validates(tmp_path):
    payload = make_payload(tmp_path)

    manifest = build_manifest(payload)

    assert manifest["schema_version"] == "2.0"
    assert manifest["submission_id"] == payload.submission_id
    assert manifest["created_at"] == "2026-11-25T14:00:00Z"
    assert manifest["shoe_size"] == {"value": "42", "system": "EU"}
    assert manifest["measurements"]["left"]["length"] == 260.2
    scans = [f for f in manifest["files"] if f["role"].endswith("_scan")]
    assert {f["name"] for f in scans} == {"left_scan.stl", "right_scan.stl"}
    assert all(f["units"] == "mm" and f["triangle_count"] == 14160 for f in scans)
    photo = next(f for f in manifest["files"] if f["role"] == "left_photo")
    assert "triangle_count" not in photo
    validate_manifest(json.loads(json.dumps(manifest)))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda m: m.pop("submission_id"),
        lambda m: m.update(submission_id="not-a-uuid"),
        lambda m: m["files"].pop(0),  # no left scan
        lambda m: m["files"][0].update(sha256="abc"),
        lambda m: m["files"][0].pop("triangle_count"),
        lambda m: m["measurements"]["left"].update(length=-3),
        lambda m: m.update(customer_reference="jane.doe@example.com"),
        lambda m: m["files"][2].update(format="stl"),
        lambda m: m.update(extra="field"),
    ],
    ids=[
        "no-id",
        "bad-uuid",
        "no-left-scan",
        "bad-sha",
        "scan-without-triangles",
        "negative-length",
        "email-as-reference",
        "photo-as-stl",
        "unknown-field",
    ],
)
def test_an_invalid_manifest_fails_the_schema(tmp_path, breakage):
    manifest = build_manifest(make_payload(tmp_path))
    breakage(manifest)

    with pytest.raises(LabPermanentError, match="Invalid lab manifest"):
        validate_manifest(manifest)


def test_the_schema_file_is_a_valid_draft_2020_12_schema():
    import jsonschema

    schema = lab.manifest_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


# --- HTTP transport ---------------------------------------------------------------------------------


def test_http_sends_manifest_and_files_with_idempotency_key_and_api_key(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        receipt = HttpLabTransport(fake.url, API_KEY, timeout=5).send(payload)

        received = fake.submissions[payload.submission_id]
        headers = fake.requests[0]["headers"]
    assert receipt.reference == received.reference and not receipt.duplicate
    assert receipt.transport == "http" and receipt.status_code == 201
    assert headers["Idempotency-Key"] == payload.submission_id
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert received.manifest == build_manifest(payload)
    assert received.files == {f.lab_name: f.sha256 for f in payload.files}


def test_http_resending_the_same_submission_is_success_and_stored_once(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        first = transport.send(payload)
        second = transport.send(payload)
        assert fake.accepted_count() == 1 and fake.attempt_count(payload.submission_id) == 2
    assert second.duplicate and second.reference == first.reference


def test_http_a_409_replay_with_the_reference_is_success(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY, duplicate_status=409) as fake:
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        first = transport.send(payload)
        again = transport.send(payload)
        assert fake.accepted_count() == 1
    assert again.duplicate and again.status_code == 409 and again.reference == first.reference


def test_http_the_same_key_with_a_different_payload_is_permanent(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        transport.send(payload)
        changed = make_payload(tmp_path, submission_id=payload.submission_id, revision=2)
        with pytest.raises(LabPermanentError, match="409"):
            transport.send(changed)
        assert fake.accepted_count() == 1


def test_http_5xx_is_temporary_and_a_retry_lands_once(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        fake.fail_next(3)
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        for _ in range(3):
            with pytest.raises(LabTemporaryError) as caught:
                transport.send(payload)
            assert caught.value.status_code == 500
        receipt = transport.send(payload)
        assert fake.accepted_count() == 1 and fake.attempt_count(payload.submission_id) == 4
    assert receipt.reference == "LAB-00001"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_http_4xx_is_permanent_with_the_labs_message(tmp_path, status):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        fake.reject_next(status, "shoe size system not supported")
        with pytest.raises(LabPermanentError) as caught:
            HttpLabTransport(fake.url, API_KEY, timeout=5).send(payload)
        assert fake.accepted_count() == 0
    assert caught.value.status_code == status
    assert "shoe size system not supported" in caught.value.message


def test_http_a_wrong_api_key_is_permanent(tmp_path):
    with fake_lab(API_KEY) as fake, pytest.raises(LabPermanentError, match="401"):
        HttpLabTransport(fake.url, "wrong", timeout=5).send(make_payload(tmp_path))


def test_http_retry_after_is_passed_on(tmp_path):
    with fake_lab(API_KEY) as fake:
        fake.fail_next(1, status=503, retry_after=30)
        with pytest.raises(LabTemporaryError) as caught:
            HttpLabTransport(fake.url, API_KEY, timeout=5).send(make_payload(tmp_path))
    assert caught.value.retry_after == 30 and caught.value.status_code == 503


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_http_busy_or_gateway_answers_are_temporary(tmp_path, status):
    with fake_lab(API_KEY) as fake:
        fake.fail_next(1, status=status)
        with pytest.raises(LabTemporaryError):
            HttpLabTransport(fake.url, API_KEY, timeout=5).send(make_payload(tmp_path))


def test_http_timeout_is_temporary(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        fake.delay = 1.0
        with pytest.raises(LabTemporaryError, match="in time"):
            HttpLabTransport(fake.url, API_KEY, timeout=0.2).send(payload)
        fake.delay = 0.0
        # The lab did get it while we gave up: the retry is a duplicate, not a second device.
        deadline = time.monotonic() + 10
        while fake.accepted_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        receipt = HttpLabTransport(fake.url, API_KEY, timeout=5).send(payload)
        assert fake.accepted_count() == 1
    assert receipt.duplicate


def test_http_a_connection_dropped_after_accepting_is_temporary_and_retry_is_duplicate(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        fake.drop_next(1)
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        with pytest.raises(LabTemporaryError):
            transport.send(payload)
        assert fake.accepted_count(payload.submission_id) == 1
        receipt = transport.send(payload)
        assert fake.accepted_count() == 1
    assert receipt.duplicate and receipt.reference == "LAB-00001"


def test_http_a_lab_that_is_down_is_temporary_until_it_is_back(tmp_path):
    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake:
        fake.down_for(60)
        transport = HttpLabTransport(fake.url, API_KEY, timeout=5)
        with pytest.raises(LabTemporaryError, match="reach the lab"):
            transport.send(payload)
        fake.up()
        receipt = transport.send(payload)
        assert fake.accepted_count() == 1
    assert not receipt.duplicate


def test_the_fake_lab_in_serial_mode_handles_one_request_at_a_time(tmp_path):
    """Its capacity is then exactly 1 / delay, the yardstick of the throughput benchmark."""
    from concurrent.futures import ThreadPoolExecutor

    payloads = [make_payload(tmp_path) for _ in range(4)]
    with fake_lab(API_KEY) as fake:
        fake.delay, fake.serial = 0.05, True
        transport = HttpLabTransport(fake.url, API_KEY, timeout=10)
        with ThreadPoolExecutor(4) as pool:
            receipts = list(pool.map(transport.send, payloads))
        assert fake.wait_for_accepted(4, timeout=10)
        handled = sorted(fake.handled)
    assert len({r.reference for r in receipts}) == 4
    assert len(handled) == 4
    # No two requests were being handled at the same time.
    assert all(later[0] >= earlier[1] for earlier, later in zip(handled, handled[1:], strict=False))


def test_http_nothing_listening_is_temporary(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LabTemporaryError):
        HttpLabTransport(f"http://127.0.0.1:{port}", API_KEY, timeout=2).send(
            make_payload(tmp_path)
        )


def test_http_a_missing_local_file_is_permanent(tmp_path):
    payload = make_payload(tmp_path)
    os.unlink(payload.files[0].path)
    with fake_lab(API_KEY) as fake, pytest.raises(LabPermanentError, match="missing"):
        HttpLabTransport(fake.url, API_KEY, timeout=5).send(payload)


class _CountingReads:
    """A stored file that records every read, to see when and how much the body reads."""

    def __init__(self, path):
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by the transport's ExitStack
        self.reads: list[int] = []
        self.closed = False

    def read(self, size=-1):
        data = self._handle.read(size)
        self.reads.append(len(data))
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()
        self.closed = True


def test_http_body_streams_the_files_block_by_block_and_closes_them(tmp_path, monkeypatch):
    from contextlib import ExitStack

    from orders.lab.transports import _multipart_body

    big = os.urandom(3 * 1024 * 1024)
    payload = make_payload(tmp_path)
    payload.files[0] = _file(tmp_path, "left_scan", "stl", big, **_scan_fields())
    opened: list[_CountingReads] = []

    def counting_open(self):
        opened.append(_CountingReads(self.path))
        return opened[-1]

    monkeypatch.setattr(LabFile, "open", counting_open)
    manifest = lab.manifest_bytes(build_manifest(payload))
    with ExitStack() as stack:
        body = _multipart_body(manifest, payload.files, stack)
        assert not hasattr(body, "__iter__") and hasattr(body, "read")  # requests streams .read()
        assert body.len > len(big) and all(not f.reads for f in opened)  # nothing read yet
        first = body.read(16384)  # http.client's block: the first part and a little of a file
        assert len(first) == 16384 and max(opened[0].reads) <= 16384
        rest = b"".join(iter(lambda: body.read(16384), b""))
        assert max(r for f in opened for r in f.reads) <= 16384  # never a whole file at once
    assert all(f.closed for f in opened)
    whole = first + rest
    assert len(whole) == body.len and big in whole


def test_http_a_file_that_shrank_while_sending_is_permanent_not_a_hang(tmp_path, monkeypatch):
    from contextlib import ExitStack

    from orders.lab.transports import _multipart_body

    payload = make_payload(tmp_path)
    manifest = lab.manifest_bytes(build_manifest(payload))
    with ExitStack() as stack, pytest.raises(LabPermanentError, match="ended"):
        body = _multipart_body(manifest, payload.files, stack)
        Path(payload.files[0].path).write_bytes(b"solid left\n")  # truncated after opening
        while body.read(16384):
            pass


def test_http_the_same_submission_is_the_same_body_byte_for_byte(tmp_path):
    from contextlib import ExitStack

    from orders.lab.transports import _multipart_body

    payload = make_payload(tmp_path)
    manifest = lab.manifest_bytes(build_manifest(payload))
    with ExitStack() as stack:
        first = _multipart_body(manifest, payload.files, stack)
        second = _multipart_body(manifest, payload.files, stack)
        assert first.content_type == second.content_type
        assert first.read() == second.read()


def _scan_fields() -> dict:
    return {"triangle_count": 14160, "bbox_mm": (260.0, 102.6, 65.0), "source_unit": "mm"}


# --- Folder transport ------------------------------------------------------------------------------


def test_folder_writes_files_then_the_manifest_last(tmp_path, monkeypatch):
    payload = make_payload(tmp_path)
    transport = FolderLabTransport(tmp_path / "drop")
    operations = []
    real_replace = os.replace

    def recording_replace(source, target):
        operations.append((os.path.basename(source), os.path.basename(target)))
        return real_replace(source, target)

    monkeypatch.setattr(lab.os, "replace", recording_replace)

    receipt = transport.send(payload)

    folder = transport.folder_for(payload)
    names = [f.lab_name for f in payload.files]
    assert operations == [(f"{n}.part", n) for n in [*names, "manifest.json"]]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names, "manifest.json"])
    assert json.loads((folder / "manifest.json").read_text()) == build_manifest(payload)
    for item in payload.files:
        assert hashlib.sha256((folder / item.lab_name).read_bytes()).hexdigest() == item.sha256
    assert receipt.reference == f"folder:{folder.name}" and not receipt.duplicate


def test_folder_rerun_after_a_crash_skips_files_already_there_and_leaves_one_copy(tmp_path):
    payload = make_payload(tmp_path)
    transport = FolderLabTransport(tmp_path / "drop")
    folder = transport.folder_for(payload)
    folder.mkdir(parents=True)
    # A previous run crashed after the first file and in the middle of the second.
    first, second = payload.files[0], payload.files[1]
    (folder / first.lab_name).write_bytes(Path(first.path).read_bytes())
    (folder / f"{second.lab_name}.part").write_bytes(b"half")
    before = os.stat(folder / first.lab_name).st_mtime_ns

    receipt = transport.send(payload)

    assert receipt.details["copied"] == [f.lab_name for f in payload.files[1:]]
    assert os.stat(folder / first.lab_name).st_mtime_ns == before
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f.lab_name for f in payload.files), "manifest.json"]
    )
    # And once complete, a further re-run changes nothing.
    again = transport.send(payload)
    assert again.duplicate and again.reference == receipt.reference
    assert len(list(tmp_path.joinpath("drop").iterdir())) == 1


def test_folder_replaces_a_file_with_the_wrong_content(tmp_path):
    payload = make_payload(tmp_path)
    transport = FolderLabTransport(tmp_path / "drop")
    folder = transport.folder_for(payload)
    folder.mkdir(parents=True)
    (folder / payload.files[0].lab_name).write_bytes(b"corrupt")

    transport.send(payload)

    data = (folder / payload.files[0].lab_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == payload.files[0].sha256


def test_folder_a_source_that_changed_since_validation_is_permanent(tmp_path):
    payload = make_payload(tmp_path)
    with open(payload.files[0].path, "ab") as handle:
        handle.write(b"tampered")
    transport = FolderLabTransport(tmp_path / "drop")

    with pytest.raises(LabPermanentError, match="sha256"):
        transport.send(payload)

    folder = transport.folder_for(payload)
    assert not (folder / "manifest.json").exists()
    assert not list(folder.glob("*.part"))


def test_folder_an_unwritable_drop_is_temporary(tmp_path):
    blocker = tmp_path / "drop"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(LabTemporaryError):
        FolderLabTransport(blocker).send(make_payload(tmp_path))


def test_get_transport_follows_settings(settings, tmp_path):
    settings.LAB_TRANSPORT = "folder"
    settings.LAB_DROP_DIR = tmp_path / "drop"
    transport = get_transport()
    assert isinstance(transport, FolderLabTransport) and transport.drop_dir == tmp_path / "drop"

    settings.LAB_TRANSPORT = "http"
    settings.LAB_API_URL = "https://lab.example/api/"
    settings.LAB_API_KEY = "k"
    settings.LAB_TIMEOUT_SECONDS = 12
    transport = get_transport()
    assert isinstance(transport, HttpLabTransport)
    assert transport.endpoint == "https://lab.example/api/submissions/"
    assert transport.timeout[1] == 12

    settings.LAB_TRANSPORT = "carrier-pigeon"
    with pytest.raises(LabPermanentError):
        get_transport()


# --- Webhook signatures --------------------------------------------------------------------------


SECRET = "whsec-lab-test"
BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "shipped",
        "created_at": "2026-11-25T15:00:00Z",
        "data": {
            "submission_id": "sub",
            "lab_reference": "LAB-00001",
            "carrier": "DHL",
            "tracking_number": "JD014600",
        },
    }
).encode()


def test_webhook_a_valid_signature_returns_the_event():
    data = verify_lab_webhook(BODY, sign_lab_webhook(BODY, SECRET), SECRET)

    event = parse_lab_event(data)
    assert event.type == "shipped" and event.tracking_number == "JD014600"
    assert event.occurred_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=123",
        "v1=abc",
        "t=notanumber,v1=abc",
        lambda: sign_lab_webhook(BODY, "another-secret"),
        lambda: sign_lab_webhook(BODY + b" ", SECRET).replace("t=", "t=") + "",
        lambda: "t={},v1={}".format(int(time.time()), "0" * 64),
    ],
    ids=["missing", "no-v1", "no-t", "bad-t", "wrong-secret", "other-body", "zeros"],
)
def test_webhook_a_forged_or_malformed_signature_is_refused(header):
    value = header() if callable(header) else header
    with pytest.raises(LabWebhookError):
        verify_lab_webhook(BODY, value, SECRET)


def test_webhook_a_tampered_body_is_refused():
    header = sign_lab_webhook(BODY, SECRET)
    with pytest.raises(LabWebhookError, match="does not match"):
        verify_lab_webhook(BODY.replace(b"JD014600", b"XX999999"), header, SECRET)


def test_webhook_a_stale_timestamp_is_refused_even_when_correctly_signed():
    old = int(time.time()) - 301
    with pytest.raises(LabWebhookError, match="tolerance"):
        verify_lab_webhook(BODY, sign_lab_webhook(BODY, SECRET, timestamp=old), SECRET)
    # Within the window it is fine.
    recent = int(time.time()) - 200
    assert verify_lab_webhook(BODY, sign_lab_webhook(BODY, SECRET, timestamp=recent), SECRET)


def test_webhook_without_a_configured_secret_refuses_everything():
    with pytest.raises(LabWebhookError):
        verify_lab_webhook(BODY, sign_lab_webhook(BODY, ""), "")


def test_webhook_a_shipped_event_needs_carrier_and_tracking():
    data = json.loads(BODY)
    data["data"].pop("tracking_number")
    with pytest.raises(LabWebhookError):
        parse_lab_event(data)
    with pytest.raises(LabWebhookError):
        parse_lab_event({**json.loads(BODY), "type": "teleported"})


def test_the_fake_lab_posts_signed_events_we_can_verify(tmp_path):
    """The fake lab's webhooks are what the real view will receive."""
    from http.server import BaseHTTPRequestHandler

    from tests.fakes import serve_http

    got = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(verify_lab_webhook(body, self.headers[WEBHOOK_SIGNATURE_HEADER], SECRET))
            self.send_response(204)
            self.end_headers()

    payload = make_payload(tmp_path)
    with fake_lab(API_KEY) as fake, serve_http(Receiver) as receiver:
        HttpLabTransport(fake.url, API_KEY, timeout=5).send(payload)
        response = fake.post_event(
            receiver.url + "/webhooks/lab/",
            SECRET,
            payload.submission_id,
            "shipped",
            carrier="DHL",
            tracking_number="JD0146",
        )
    assert response.status_code == 204
    event = parse_lab_event(got[0])
    assert event.submission_id == payload.submission_id
    assert event.lab_reference == "LAB-00001" and event.carrier == "DHL"


def test_real_scan_reports_make_a_valid_manifest_and_reach_the_drop_folder(tmp_path):
    """The path the task will take: validated scans → LabFile.for_scan → manifest → transport."""
    from orders.scans.meshes import inspect_mesh
    from orders.tests.foot_meshes import foot_mesh, save

    reports, files = {}, []
    for side, mirror, scale in (("left", True, 0.1), ("right", False, 1.0)):
        path = tmp_path / f"{side}.stl"
        save(foot_mesh(mirror=mirror), path, scale=scale)
        reports[side] = inspect_mesh(path, filename=path.name)
        files.append(LabFile.for_scan(role=f"{side}_scan", path=path, report=reports[side]))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + os.urandom(100))
    files.append(LabFile.for_photo(role="other_photo", path=photo, format="jpeg"))
    payload = make_payload(
        tmp_path,
        files=files,
        measurements={side: report.measurements for side, report in reports.items()},
    )

    receipt = FolderLabTransport(tmp_path / "drop").send(payload)

    manifest = json.loads(
        (FolderLabTransport(tmp_path / "drop").folder_for(payload) / "manifest.json").read_text()
    )
    left = next(f for f in manifest["files"] if f["role"] == "left_scan")
    assert left["source_unit"] == "cm" and left["scale_to_mm"] == 10.0
    assert left["sha256"] == reports["left"].sha256
    assert left["triangle_count"] == reports["left"].triangle_count
    assert manifest["measurements"]["left"]["arch_height"] == pytest.approx(15.0, abs=1.5)
    assert receipt.details["copied"] == ["left_scan.stl", "right_scan.stl", "other_photo.jpeg"]
    with pytest.raises(ValueError):
        LabFile.for_scan(role="left_photo", path=photo, report=reports["left"])
