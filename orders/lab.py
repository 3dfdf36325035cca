"""Handing a submission to the orthotics lab: the manifest, two transports and the lab's webhooks.

No Django models here: the caller (a Celery task over a ``LabSubmission`` outbox row) builds a
``LabPayload`` and calls ``get_transport().send(payload)``. Both transports are idempotent per
``submission_id``: the HTTP API gets it as the ``Idempotency-Key``; the drop folder is named after it
and skips files that are already there. So a retry after any failure can never make a second device.

Errors: ``LabTemporaryError`` (network, timeouts, 5xx, 429, a drop folder that is not writable
right now) → retry with backoff; ``LabPermanentError`` (other 4xx, a bad manifest, a missing source
file) → mark FAILED and show staff the message.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, Protocol

import jsonschema
import requests
from django.conf import settings

from fitsperfect import safe_json
from orders.meshes import FootMeasurements, MeshReport

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "lab_manifest.schema.json"
MANIFEST_NAME = "manifest.json"
WEBHOOK_SIGNATURE_HEADER = "X-Lab-Signature"
WEBHOOK_EVENT_TYPES = ("received", "in_production", "shipped")
SCAN_ROLES = ("left_scan", "right_scan")
PHOTO_ROLES = ("left_photo", "right_photo", "other_photo")
_CHUNK = 1024 * 1024


class LabError(Exception):
    """Base class: something went wrong handing a submission to the lab."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class LabTemporaryError(LabError):
    """Worth retrying: the lab or the network may be fine again later.

    ``retry_after`` (seconds) is the lab's ``Retry-After`` when it sent one.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class LabPermanentError(LabError):
    """Retrying the same request cannot help; staff must look at it."""


class LabWebhookError(ValueError):
    """A webhook that must be refused (bad or missing signature, stale, not JSON)."""


@dataclass(frozen=True)
class LabFile:
    """One file of a submission. ``path`` is where we read it from; ``name`` is the lab's file name.

    With ``storage`` set, ``path`` is a name in that Django storage (local folder or S3) and the
    bytes are read through the storage API; without it, ``path`` is a local file.

    Scans carry ``triangle_count``, ``bbox_mm`` (x, y, z size in mm) and the unit the file's own
    coordinates are in (``source_unit``, ``scale_to_mm``): STL has no units, so the lab must know.
    """

    role: str
    path: str
    format: str
    sha256: str
    bytes: int
    triangle_count: int | None = None
    bbox_mm: tuple[float, float, float] | None = None
    source_unit: str | None = None
    scale_to_mm: float | None = None
    name: str | None = None
    storage: Any = field(default=None, compare=False, repr=False)

    @property
    def lab_name(self) -> str:
        return self.name or f"{self.role}.{self.format}"

    def size(self) -> int:
        """The stored file's size now; ``LabPermanentError`` when it is gone."""
        try:
            if self.storage is not None:
                return int(self.storage.size(self.path))
            return Path(self.path).stat().st_size
        except FileNotFoundError as exc:
            raise LabPermanentError(f"A file of the submission is missing: {self.path}") from exc

    def open(self) -> IO[bytes]:
        """The stored file opened for reading; ``LabPermanentError`` when it is gone."""
        try:
            if self.storage is not None:
                return self.storage.open(self.path, "rb")
            return open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise LabPermanentError(f"A file of the submission is missing: {self.path}") from exc

    @classmethod
    def for_scan(cls, *, role: str, path: str | os.PathLike, report: MeshReport) -> LabFile:
        """A scan entry from its validation report (sha256, size, triangles, box, unit)."""
        if role not in SCAN_ROLES:
            raise ValueError(f"{role!r} is not a scan role")
        return cls(
            role=role,
            path=str(path),
            format=report.file_format,
            sha256=report.sha256,
            bytes=report.size_bytes,
            triangle_count=report.triangle_count,
            bbox_mm=report.bbox_size_mm,
            source_unit=report.unit.unit,
            scale_to_mm=report.unit.scale_to_mm,
        )

    @classmethod
    def for_photo(cls, *, role: str, path: str | os.PathLike, format: str) -> LabFile:  # noqa: A002
        """A photo entry (``format`` "jpeg" or "png"); hashes the file."""
        if role not in PHOTO_ROLES:
            raise ValueError(f"{role!r} is not a photo role")
        target = Path(path)
        return cls(
            role=role,
            path=str(target),
            format=format,
            sha256=_sha256_of(target),
            bytes=target.stat().st_size,
        )


@dataclass(frozen=True)
class LabPayload:
    """Everything the lab needs for one order revision; ``submission_id`` is the idempotency key."""

    submission_id: str
    order_number: str
    revision: int
    created_at: datetime
    customer_reference: str
    product: str
    options: dict[str, Any]
    shoe_size: str
    shoe_size_system: str
    measurements: dict[str, FootMeasurements]
    files: list[LabFile]
    clinician_notes: str = ""


@dataclass(frozen=True)
class LabReceipt:
    """The lab has the submission. ``duplicate`` means it already had it (a retry that landed)."""

    reference: str
    transport: str
    acknowledged_at: datetime
    duplicate: bool = False
    status_code: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabEvent:
    """A status report from the lab's webhook, validated."""

    id: str
    type: str
    submission_id: str
    lab_reference: str
    occurred_at: datetime
    carrier: str = ""
    tracking_number: str = ""


class LabTransport(Protocol):
    """One method: deliver the payload exactly once (idempotent by ``submission_id``)."""

    name: str

    def send(self, submission: LabPayload) -> LabReceipt: ...


# --- Manifest -------------------------------------------------------------------------------------


@cache
def manifest_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise LabPermanentError("created_at must be timezone-aware (UTC).")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_manifest(payload: LabPayload) -> dict[str, Any]:
    """The manifest the lab receives (JSON-ready), validated against the repository's schema."""
    files = []
    for item in payload.files:
        entry: dict[str, Any] = {
            "role": item.role,
            "name": item.lab_name,
            "format": item.format,
            "bytes": item.bytes,
            "sha256": item.sha256,
        }
        if item.role in SCAN_ROLES:
            entry.update(
                units="mm",
                source_unit=item.source_unit or "mm",
                scale_to_mm=item.scale_to_mm if item.scale_to_mm is not None else 1.0,
                triangle_count=item.triangle_count,
                bbox_mm=list(item.bbox_mm) if item.bbox_mm is not None else None,
            )
        files.append(entry)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "submission_id": payload.submission_id,
        "order_number": payload.order_number,
        "revision": payload.revision,
        "created_at": _iso(payload.created_at),
        "customer_reference": payload.customer_reference,
        "product": {"code": payload.product, "options": dict(payload.options)},
        "shoe_size": {"value": str(payload.shoe_size), "system": payload.shoe_size_system},
        "measurements": {
            side: {
                "units": "mm",
                "length": m.length_mm,
                "forefoot_width": m.forefoot_width_mm,
                "heel_width": m.heel_width_mm,
                "arch_height": m.arch_height_mm,
            }
            for side, m in sorted(payload.measurements.items())
        },
        "clinician_notes": payload.clinician_notes,
        "files": files,
    }
    validate_manifest(manifest)
    return manifest


@cache
def _manifest_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        manifest_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Raises ``LabPermanentError`` naming the first problem when the manifest breaks the schema."""
    validator = _manifest_validator()
    errors = sorted(validator.iter_errors(manifest), key=lambda error: list(error.path))
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.path) or "(root)"
        raise LabPermanentError(f"Invalid lab manifest at {where}: {first.message}")


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


# --- HTTP transport -------------------------------------------------------------------------------


class _MultipartBody:
    """A multipart/form-data body streamed from storage (local or S3) with a known length.

    ``requests`` would read every file into memory to build the body; two 150 MB scans in a worker
    is too much. This object has ``read``/``__iter__``/``__len__``, so requests sends it with a
    Content-Length and http.client streams it in blocks.
    """

    def __init__(self, manifest: bytes, files: list[LabFile]) -> None:
        self.boundary = "fp-" + hashlib.sha256(manifest).hexdigest()[:32]
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self._parts: list[bytes | tuple[LabFile, int]] = []
        self._add(
            b'Content-Disposition: form-data; name="manifest"; filename="manifest.json"\r\n'
            b"Content-Type: application/json\r\n\r\n" + manifest
        )
        for item in files:
            size = item.size()
            if size != item.bytes:
                raise LabPermanentError(
                    f"{item.lab_name}: the stored file has {size} bytes, the manifest says {item.bytes}."
                )
            header = (
                f'Content-Disposition: form-data; name="files"; filename="{item.lab_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            self._add(header, (item, size))
        self._parts.append(f"--{self.boundary}--\r\n".encode())
        self._length = sum(len(p) if isinstance(p, bytes) else p[1] for p in self._parts)
        self._iterator: Iterator[bytes] | None = None
        self._buffer = b""

    def _add(self, head: bytes, file_part: tuple[LabFile, int] | None = None) -> None:
        self._parts.append(f"--{self.boundary}\r\n".encode() + head)
        if file_part is not None:
            self._parts.append(file_part)
        self._parts.append(b"\r\n")

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
                continue
            with part[0].open() as handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk

    def read(self, size: int = -1) -> bytes:
        if self._iterator is None:
            self._iterator = iter(self)
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._iterator)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class HttpLabTransport:
    """POSTs manifest + files to ``<api_url>/submissions/`` with ``Idempotency-Key`` and a bearer key.

    2xx → receipt. 409 with a ``reference`` (the key was used before with the same payload) is also
    success; 409 without one is a conflict staff must resolve. 5xx, 408, 429, timeouts and connection
    errors → ``LabTemporaryError``; other 4xx → ``LabPermanentError`` with the lab's message.
    """

    name = "http"

    def __init__(
        self, api_url: str, api_key: str, timeout: float = 30.0, *, connect_timeout: float = 5.0
    ) -> None:
        if not api_url:
            raise LabPermanentError("LAB_API_URL is not set.")
        self.endpoint = api_url.rstrip("/") + "/submissions/"
        self.api_key = api_key
        self.timeout = (min(connect_timeout, timeout), timeout)

    def send(self, submission: LabPayload) -> LabReceipt:
        manifest = build_manifest(submission)
        try:
            body = _MultipartBody(_manifest_bytes(manifest), submission.files)
        except FileNotFoundError as exc:
            raise LabPermanentError(f"A file of the submission is missing: {exc.filename}") from exc
        headers = {
            "Idempotency-Key": submission.submission_id,
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": body.content_type,
            "Accept": "application/json",
            "User-Agent": "FitsPerfect-LabTransport/1",
        }
        try:
            response = requests.post(
                self.endpoint, data=body, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise LabTemporaryError(f"The lab did not answer in time: {exc}") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise LabTemporaryError(f"Could not reach the lab: {exc}") from exc
        except requests.RequestException as exc:
            raise LabTemporaryError(f"Request to the lab failed: {exc}") from exc
        return self._receipt(response)

    def events(self, submission_id: str) -> list[dict[str, Any]]:
        """The lab's status events for one submission, oldest first (``GET
        <api_url>/submissions/<id>/events``): the backup when a webhook was lost.

        An unknown submission is an empty list; errors are ``LabTemporaryError`` (the next poll
        tries again) or ``LabPermanentError`` (a refused key)."""
        url = f"{self.endpoint}{submission_id}/events"
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": "FitsPerfect-LabTransport/1",
        }
        try:
            response = requests.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise LabTemporaryError(f"Could not ask the lab: {exc}") from exc
        if response.status_code == 404:
            return []
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise LabTemporaryError(
                f"The lab answered {response.status_code}.", status_code=response.status_code
            )
        if response.status_code != 200:
            raise LabPermanentError(
                f"The lab refused the status request ({response.status_code}).",
                status_code=response.status_code,
            )
        try:
            events = response.json().get("events", [])
        except (ValueError, AttributeError) as exc:
            raise LabTemporaryError("The lab's status answer is not JSON.") from exc
        if not isinstance(events, list):
            raise LabTemporaryError("The lab's status answer has no list of events.")
        return [event for event in events if isinstance(event, dict)]

    def _receipt(self, response: requests.Response) -> LabReceipt:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        message = str(data.get("error") or data.get("detail") or response.text[:300] or status)
        reference = data.get("reference") or data.get("lab_reference")
        if 200 <= status < 300 or (status == 409 and reference):
            if not reference:
                raise LabTemporaryError(
                    f"The lab answered {status} without a reference.", status_code=status
                )
            return LabReceipt(
                reference=str(reference),
                transport=self.name,
                acknowledged_at=datetime.now(UTC),
                duplicate=status == 409 or bool(data.get("duplicate")),
                status_code=status,
                details=data,
            )
        if status >= 500 or status in (408, 425, 429):
            retry_after = None
            with contextlib.suppress(ValueError):
                retry_after = float(response.headers.get("Retry-After", ""))
            raise LabTemporaryError(
                f"The lab answered {status}: {message}",
                status_code=status,
                retry_after=retry_after,
            )
        raise LabPermanentError(
            f"The lab refused the submission ({status}): {message}", status_code=status
        )


# --- Drop folder transport ------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


class FolderLabTransport:
    """Writes ``<drop_dir>/<order>_r<revision>_<submission id>/`` for the lab to collect.

    Each file is copied to ``<name>.part``, fsynced, checked against its sha256 and renamed; the
    manifest is written the same way and LAST, so the lab treats a folder as complete only once
    ``manifest.json`` exists. A re-run skips files already present with the same sha256 and, when
    the manifest is already there for this submission, is a no-op that returns the same receipt.
    """

    name = "folder"

    def __init__(self, drop_dir: str | os.PathLike) -> None:
        self.drop_dir = Path(drop_dir)

    def folder_for(self, submission: LabPayload) -> Path:
        name = f"{_safe(submission.order_number)}_r{submission.revision}_{_safe(submission.submission_id)}"
        return self.drop_dir / name

    def send(self, submission: LabPayload) -> LabReceipt:
        manifest = build_manifest(submission)
        folder = self.folder_for(submission)
        reference = f"folder:{folder.name}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            manifest_path = folder / MANIFEST_NAME
            if manifest_path.exists():
                existing = json.loads(manifest_path.read_text(encoding="utf-8"))
                if existing.get("submission_id") == submission.submission_id:
                    return LabReceipt(
                        reference=reference,
                        transport=self.name,
                        acknowledged_at=datetime.now(UTC),
                        duplicate=True,
                        details={"folder": str(folder)},
                    )
            copied = []
            for item in submission.files:
                if self._place(item, folder / item.lab_name):
                    copied.append(item.lab_name)
            self._write_atomically(manifest_path, _manifest_bytes(manifest))
            _fsync_dir(folder)
        except LabError:
            raise
        except FileNotFoundError as exc:
            if str(exc.filename) in {str(item.path) for item in submission.files}:
                raise LabPermanentError(
                    f"A file of the submission is missing: {exc.filename}"
                ) from exc
            raise LabTemporaryError(f"Drop folder not available: {exc}") from exc
        except OSError as exc:
            raise LabTemporaryError(f"Could not write to the drop folder: {exc}") from exc
        return LabReceipt(
            reference=reference,
            transport=self.name,
            acknowledged_at=datetime.now(UTC),
            details={"folder": str(folder), "copied": copied},
        )

    def _place(self, item: LabFile, target: Path) -> bool:
        """Copies one file unless an identical one is already there; returns whether it copied."""
        if target.exists() and _sha256_of(target) == item.sha256:
            return False
        part = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        with item.open() as source, open(part, "wb") as sink:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        if digest.hexdigest() != item.sha256:
            part.unlink(missing_ok=True)
            raise LabPermanentError(
                f"{item.lab_name}: the stored file no longer matches its sha256; not sent."
            )
        os.replace(part, target)
        return True

    @staticmethod
    def _write_atomically(target: Path, data: bytes) -> None:
        part = target.with_name(target.name + ".part")
        with open(part, "wb") as sink:
            sink.write(data)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(part, target)


def get_transport() -> LabTransport:
    """The transport named by ``settings.LAB_TRANSPORT`` ("http" or "folder")."""
    kind = (getattr(settings, "LAB_TRANSPORT", "folder") or "folder").lower()
    if kind == "http":
        return HttpLabTransport(
            settings.LAB_API_URL,
            settings.LAB_API_KEY,
            float(getattr(settings, "LAB_TIMEOUT_SECONDS", 30.0)),
        )
    if kind == "folder":
        return FolderLabTransport(settings.LAB_DROP_DIR)
    raise LabPermanentError(f"Unknown LAB_TRANSPORT {kind!r} (expected 'http' or 'folder').")


# --- Webhooks -------------------------------------------------------------------------------------


def _signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_lab_webhook(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``X-Lab-Signature`` header value: ``t=<unix time>,v1=<hex HMAC-SHA256>``."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={moment},v1={_signature(secret, moment, body)}"


def verify_lab_webhook(
    body: bytes,
    signature_header: str,
    secret: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> dict[str, Any]:
    """Checks the signature (constant-time) and freshness, then returns the JSON body.

    The timestamp is inside the signed message, so an old captured request cannot be replayed
    after ``tolerance`` seconds; within it, the caller deduplicates by event id.
    """
    if not secret:
        raise LabWebhookError("No webhook secret is configured.")
    if not signature_header:
        raise LabWebhookError("Missing signature.")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in signature_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise LabWebhookError("Malformed timestamp.") from exc
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise LabWebhookError("Malformed signature header.")
    expected = _signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise LabWebhookError("Signature does not match.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise LabWebhookError("Signature timestamp is outside the tolerance window.")
    try:
        data = safe_json.parse(body)  # after the signature; size and depth limited
    except safe_json.UnsafeJSON as exc:
        raise LabWebhookError(f"Body is not acceptable JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise LabWebhookError("Body is not a JSON object.")
    return data


def parse_lab_event(data: dict[str, Any]) -> LabEvent:
    """Validates a verified webhook body: ``{id, type, created_at, data: {submission_id, ...}}``."""
    try:
        inner = data["data"]
        event_type = str(data["type"])
        if event_type not in WEBHOOK_EVENT_TYPES:
            raise LabWebhookError(f"Unknown event type {event_type!r}.")
        occurred = datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00"))
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        event = LabEvent(
            id=str(data["id"]),
            type=event_type,
            submission_id=str(inner["submission_id"]),
            lab_reference=str(inner.get("lab_reference", "")),
            occurred_at=occurred,
            carrier=str(inner.get("carrier", "") or ""),
            tracking_number=str(inner.get("tracking_number", "") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, LabWebhookError):
            raise
        raise LabWebhookError(f"Malformed event: {exc}") from exc
    if event.type == "shipped" and not (event.carrier and event.tracking_number):
        raise LabWebhookError("A shipped event needs a carrier and a tracking number.")
    return event
