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
import json
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import requests
from django.conf import settings
from requests_toolbelt.multipart.encoder import MultipartEncoder

from .errors import LabError, LabPermanentError, LabTemporaryError, is_temporary_status
from .manifest import (
    CHUNK,
    MANIFEST_NAME,
    LabFile,
    LabPayload,
    build_manifest,
    manifest_bytes,
    sha256_of,
)


@dataclass(frozen=True)
class LabReceipt:
    """The lab has the submission. ``duplicate`` means it already had it (a retry that landed)."""

    reference: str
    transport: str
    acknowledged_at: datetime
    duplicate: bool = False
    status_code: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


class LabTransport(Protocol):
    """One method: deliver the payload exactly once (idempotent by ``submission_id``)."""

    name: str

    def send(self, submission: LabPayload) -> LabReceipt: ...

    def erase(self, *, order_number: str, revision: int, submission_id: str) -> int:
        """Deletes the lab's copy of one submission (a customer's erasure); returns how many
        files were deleted (HTTP: 1 when the lab accepted the request, 0 when it had none)."""
        ...


# --- Manifest -------------------------------------------------------------------------------------


# --- HTTP transport -------------------------------------------------------------------------------


class _FileBody:
    """One stored file as a multipart part's body: read on demand, its length known in advance.

    ``MultipartEncoder`` asks each part for ``len`` (what is left to read) before and while it
    streams; a storage's file object may report a size cached when it was opened, so a file that
    shrank meanwhile would make the encoder wait for bytes forever. This counts what it has read
    and stops with ``LabPermanentError`` instead.
    """

    def __init__(self, item: LabFile, handle: IO[bytes], size: int) -> None:
        self._item = item
        self._handle = handle
        self.len = size

    def read(self, size: int = -1) -> bytes:
        want = self.len if size is None or size < 0 else min(size, self.len)
        data = self._handle.read(want) if want else b""
        if want and not data:
            raise LabPermanentError(
                f"{self._item.lab_name}: the stored file ended {self.len} bytes early."
            )
        self.len -= len(data)
        return data


def _multipart_body(manifest: bytes, files: list[LabFile], opened: ExitStack) -> MultipartEncoder:
    """The multipart/form-data body, streamed from storage (local or S3) with a Content-Length.

    requests-toolbelt's ``MultipartEncoder`` reads each part only as http.client asks for the next
    block, so the scans are never in memory whole (``benchmarks/bench_lab_upload.py``, two 150 MB
    scans: +0.0 MB peak RSS in 0.3 s, against +0.8 MB in 0.64 s for the hand-written body it
    replaced). The files are opened here and closed by ``opened`` once sent.
    """
    fields: list[tuple[str, tuple[str, Any, str]]] = [
        ("manifest", (MANIFEST_NAME, manifest, "application/json"))
    ]
    for item in files:
        size = item.size()
        if size != item.bytes:
            raise LabPermanentError(
                f"{item.lab_name}: the stored file has {size} bytes, the manifest says {item.bytes}."
            )
        handle = opened.enter_context(item.open())
        body = _FileBody(item, handle, size)
        fields.append(("files", (item.lab_name, body, "application/octet-stream")))
    # The same manifest gives the same boundary, so a retried request is byte-for-byte the same.
    return MultipartEncoder(fields, boundary="fp-" + hashlib.sha256(manifest).hexdigest()[:32])


class HttpLabTransport:
    """POSTs manifest + files to ``<api_url>/submissions/`` with ``Idempotency-Key`` and a bearer key.

    2xx → receipt. 409 with a ``reference`` (the key was used before with the same payload) is also
    success; 409 without one is a conflict staff must resolve. 5xx, 408, 425, 429, timeouts and connection
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
        with ExitStack() as opened:
            try:
                body = _multipart_body(manifest_bytes(manifest), submission.files, opened)
            except FileNotFoundError as exc:
                raise LabPermanentError(
                    f"A file of the submission is missing: {exc.filename}"
                ) from exc
            return self._post(submission, body)

    def _post(self, submission: LabPayload, body: MultipartEncoder) -> LabReceipt:
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

    def erase(self, *, order_number: str, revision: int, submission_id: str) -> int:
        """``DELETE <api_url>/submissions/<id>``: the lab deletes its copy of the scans and the
        manifest. 404 (nothing there) is done too; errors raise, so the task retries."""
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": "FitsPerfect-LabTransport/1",
        }
        try:
            response = requests.delete(
                f"{self.endpoint}{submission_id}", headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise LabTemporaryError(f"Could not ask the lab to erase: {exc}") from exc
        if response.status_code == 404:
            return 0
        if is_temporary_status(response.status_code):
            raise LabTemporaryError(
                f"The lab answered {response.status_code}.", status_code=response.status_code
            )
        if response.status_code not in (200, 202, 204):
            raise LabPermanentError(f"The lab refused the erasure ({response.status_code}).")
        return 1

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
        if is_temporary_status(response.status_code):
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
        if is_temporary_status(status):
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


def _private_file(path: Path):
    """A new file readable by this user only (0600), whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


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
        return self._folder(submission.order_number, submission.revision, submission.submission_id)

    def _folder(self, order_number: str, revision: int, submission_id: str) -> Path:
        return self.drop_dir / f"{_safe(order_number)}_r{revision}_{_safe(submission_id)}"

    def erase(self, *, order_number: str, revision: int, submission_id: str) -> int:
        """Deletes the submission's folder; the count is of files actually gone afterwards."""
        folder = self._folder(order_number, revision, submission_id)
        if not folder.is_dir():
            return 0
        deleted = 0
        for path in sorted(folder.iterdir()):
            try:
                path.unlink()
            except OSError as exc:
                raise LabTemporaryError(f"Could not delete {path.name}: {exc}") from exc
            deleted += not path.exists()
        folder.rmdir()
        return deleted

    def send(self, submission: LabPayload) -> LabReceipt:
        manifest = build_manifest(submission)
        folder = self.folder_for(submission)
        reference = f"folder:{folder.name}"
        try:
            # Health data: only this service's user may read the drop (0700 folders, 0600 files).
            self.drop_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
            folder.chmod(0o700)
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
            self._write_atomically(manifest_path, manifest_bytes(manifest))
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
        if target.exists() and sha256_of(target) == item.sha256:
            return False
        part = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        with item.open() as source, _private_file(part) as sink:
            while chunk := source.read(CHUNK):
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
        with _private_file(part) as sink:
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
