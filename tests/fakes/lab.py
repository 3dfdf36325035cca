"""A fake orthotics lab served over real HTTP on 127.0.0.1, with scriptable failures.

    with fake_lab(api_key="k") as lab:
        settings.LAB_API_URL = lab.url
        lab.fail_next(3)            # answer 500 three times, then behave
        lab.drop_next(1)            # store the submission, then close the connection without replying
        lab.down_for(2.0)           # close every connection for 2 s (reads nothing, answers nothing)
        lab.delay = 0.05            # answer every request after 50 ms
        lab.serial = True           # and one at a time (capacity = 1 / delay, for benchmarks)
        lab.reject_next(422, "...") # answer a 4xx with a message
        ...
        assert lab.wait_for_accepted(1)         # for tests that run a real worker
        assert lab.accepted_count(key) == 1     # exactly once, whatever the retries
        lab.post_event(url, secret, key, "shipped", carrier="DHL", tracking_number="JD01")

It counts every request by ``Idempotency-Key`` (``attempts``) and stores each key's submission once
(``submissions``), returning the same lab reference for a key every time (200 with
``duplicate: true``, or 409 when ``duplicate_status=409``).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests

from orders.lab.errors import LabPermanentError
from orders.lab.manifest import validate_manifest
from orders.lab.webhooks import WEBHOOK_SIGNATURE_HEADER, sign_lab_webhook
from tests.fakes import serve_http


@dataclass
class Received:
    """One accepted submission as the lab stored it."""

    key: str
    reference: str
    manifest: dict[str, Any]
    files: dict[str, str]  # lab file name -> sha256 of what arrived
    sizes: dict[str, int] = field(default_factory=dict)


class _LabHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _reply(self, status: int, payload: dict[str, Any], **headers: str) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _hang_up(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_POST(self):  # noqa: N802 - http.server's naming
        lab: FakeLab = self.server.lab
        key = self.headers.get("Idempotency-Key", "")
        with lab.lock:
            lab.attempts[key] += 1
            lab.requests.append({"key": key, "headers": dict(self.headers), "at": time.monotonic()})
            down = time.monotonic() < lab.down_until
        if down:
            self._hang_up()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if lab.serial:
            with lab.serial_lock:  # one request at a time: capacity is exactly 1 / delay
                started = time.monotonic()
                self._handle(lab, key, body)
                finished = time.monotonic()
        else:
            started = time.monotonic()
            self._handle(lab, key, body)
            finished = time.monotonic()
        with lab.lock:
            lab.handled.append((started, finished))

    def do_GET(self):  # noqa: N802 - http.server's naming
        """``/submissions/<key>/events``: what happened to a submission, for a client that polls."""
        lab: FakeLab = self.server.lab
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "submissions" or parts[2] != "events":
            self._reply(404, {"error": "not found"})
            return
        if self.headers.get("Authorization") != f"Bearer {lab.api_key}":
            self._reply(401, {"error": "invalid API key"})
            return
        with lab.lock:
            lab.polls[parts[1]] += 1
            down = time.monotonic() < lab.down_until
            known = parts[1] in lab.submissions
            events = list(lab.events.get(parts[1], []))
        if down:
            self._hang_up()
            return
        if not known:
            self._reply(404, {"error": "unknown submission"})
            return
        self._reply(200, {"events": events})

    def do_DELETE(self):  # noqa: N802 - http.server's naming
        """``/submissions/<key>``: the lab deletes its copy (a customer's erasure): 204, or 404
        when it holds nothing under that key."""
        lab: FakeLab = self.server.lab
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "submissions":
            self._reply(404, {"error": "not found"})
            return
        if self.headers.get("Authorization") != f"Bearer {lab.api_key}":
            self._reply(401, {"error": "invalid API key"})
            return
        with lab.lock:
            down = time.monotonic() < lab.down_until
            known = not down and lab.submissions.pop(parts[1], None) is not None
            if known:
                lab.erased.append(parts[1])
                lab.events.pop(parts[1], None)
        if down:
            self._hang_up()
            return
        if not known:
            self._reply(404, {"error": "unknown submission"})
            return
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _handle(self, lab: FakeLab, key: str, body: bytes) -> None:
        if lab.delay:
            time.sleep(lab.delay)
        if self.path.rstrip("/") != "/submissions":
            self._reply(404, {"error": "not found"})
            return
        if self.headers.get("Authorization") != f"Bearer {lab.api_key}":
            self._reply(401, {"error": "invalid API key"})
            return
        if not key:
            self._reply(400, {"error": "Idempotency-Key header is required"})
            return
        with lab.lock:
            action = lab.script.pop(0) if lab.script else ("ok",)
        if action[0] == "fail":
            extra = {"Retry_After": str(action[2])} if action[2] is not None else {}
            self._reply(action[1], {"error": "scripted server error"}, **extra)
            return
        if action[0] == "reject":
            self._reply(action[1], {"error": action[2]})
            return
        try:
            manifest, files, sizes = _parse_multipart(self.headers.get("Content-Type", ""), body)
        except ValueError as exc:
            self._reply(400, {"error": f"bad multipart body: {exc}"})
            return
        try:
            # As strict as the real lab: a manifest that breaks its schema version is refused.
            validate_manifest(manifest)
        except LabPermanentError as exc:
            self._reply(422, {"error": str(exc)})
            return
        for entry in manifest.get("files", []):
            if files.get(entry.get("name")) != entry.get("sha256"):
                self._reply(422, {"error": f"file {entry.get('name')} does not match its sha256"})
                return
        with lab.lock:
            existing = lab.submissions.get(key)
            if existing is not None and existing.manifest != manifest:
                self._reply(409, {"error": "Idempotency-Key reused with a different payload"})
                return
            duplicate = existing is not None
            if not duplicate:
                lab.counter += 1
                existing = Received(
                    key=key,
                    reference=f"LAB-{lab.counter:05d}",
                    manifest=manifest,
                    files=files,
                    sizes=sizes,
                )
                lab.submissions[key] = existing
        if action[0] == "drop":
            self._hang_up()
            return
        if duplicate and lab.duplicate_status == 409:
            self._reply(409, {"reference": existing.reference, "duplicate": True})
            return
        self._reply(
            200 if duplicate else 201,
            {"reference": existing.reference, "duplicate": duplicate, "status": "received"},
        )


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, Any], dict[str, str], dict[str, int]]:
    """Splits a multipart/form-data body byte-exactly (the email parser mangles binary line ends)."""
    if not content_type.startswith("multipart/form-data"):
        raise ValueError("not multipart/form-data")
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("no boundary")
    delimiter = b"--" + match.group(1).encode()
    chunks = body.split(b"\r\n" + delimiter)
    if not chunks[0].startswith(delimiter):
        raise ValueError("body does not start with the boundary")
    chunks[0] = chunks[0][len(delimiter) :]
    manifest = None
    files: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, separator, payload = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("part without headers")
        disposition = head.decode("latin-1")
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if name and name.group(1) == "manifest":
            manifest = json.loads(payload)
        elif name and name.group(1) == "files" and filename:
            files[filename.group(1)] = hashlib.sha256(payload).hexdigest()
            sizes[filename.group(1)] = len(payload)
    if manifest is None:
        raise ValueError("no manifest part")
    return manifest, files, sizes


class FakeLab:
    """State and controls of a running fake lab (see the module docstring)."""

    def __init__(self, api_key: str, duplicate_status: int = 200) -> None:
        self.api_key = api_key
        self.duplicate_status = duplicate_status
        self.lock = threading.Lock()
        self.attempts: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.submissions: dict[str, Received] = {}
        self.script: list[tuple] = []
        self.down_until = 0.0
        self.delay = 0.0
        self.serial = False
        self.handled: list[tuple[float, float]] = []  # (start, end) of each handled request
        self.serial_lock = threading.Lock()
        self.counter = 0
        self.url = ""
        self.events: dict[str, list[dict[str, Any]]] = {}  # key -> events, oldest first
        self.polls: Counter[str] = Counter()
        self.erased: list[str] = []  # keys whose copy a DELETE removed, in order

    # Scripting
    def fail_next(self, times: int, status: int = 500, *, retry_after: int | None = None) -> None:
        with self.lock:
            self.script.extend([("fail", status, retry_after)] * times)

    def drop_next(self, times: int = 1) -> None:
        with self.lock:
            self.script.extend([("drop",)] * times)

    def reject_next(self, status: int = 422, message: str = "rejected by the lab") -> None:
        with self.lock:
            self.script.append(("reject", status, message))

    def down_for(self, seconds: float) -> None:
        with self.lock:
            self.down_until = time.monotonic() + seconds

    def up(self) -> None:
        with self.lock:
            self.down_until = 0.0

    # Assertions
    def accepted_count(self, key: str | None = None) -> int:
        """Submissions stored (once per key) — for a key, 0 or 1; overall, the number of keys."""
        with self.lock:
            if key is None:
                return len(self.submissions)
            return 1 if key in self.submissions else 0

    def wait_for_accepted(self, count: int, timeout: float = 30.0) -> bool:
        """Waits until ``count`` distinct submissions are stored (for worker tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.accepted_count() >= count:
                return True
            time.sleep(0.02)
        return self.accepted_count() >= count

    def attempt_count(self, key: str) -> int:
        with self.lock:
            return self.attempts[key]

    def reference_for(self, key: str) -> str | None:
        with self.lock:
            received = self.submissions.get(key)
            return received.reference if received else None

    # What happens at the lab: recorded (and served to a client that polls), then sent or not
    def record_event(
        self,
        key: str,
        event_type: str,
        *,
        carrier: str = "",
        tracking_number: str = "",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """A status change at the lab whose webhook may or may not reach us (``post_event`` sends it)."""
        data: dict[str, Any] = {
            "submission_id": key,
            "lab_reference": self.reference_for(key) or "",
        }
        if carrier:
            data["carrier"] = carrier
        if tracking_number:
            data["tracking_number"] = tracking_number
        event = {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        with self.lock:
            self.events.setdefault(key, []).append(event)
        return event

    def poll_count(self, key: str) -> int:
        with self.lock:
            return self.polls[key]

    # Webhooks back to us
    def post_event(
        self,
        url: str,
        secret: str,
        key: str,
        event_type: str,
        *,
        carrier: str = "",
        tracking_number: str = "",
        event_id: str | None = None,
        timestamp: int | None = None,
        timeout: float = 10.0,
    ) -> requests.Response:
        """POSTs a signed status event (received / in_production / shipped) about ``key``."""
        event = self.record_event(
            key, event_type, carrier=carrier, tracking_number=tracking_number, event_id=event_id
        )
        body = json.dumps(event).encode()
        return requests.post(
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                WEBHOOK_SIGNATURE_HEADER: sign_lab_webhook(body, secret, timestamp),
            },
            timeout=timeout,
        )


@contextmanager
def fake_lab(api_key: str = "test-lab-key", *, duplicate_status: int = 200) -> Iterator[FakeLab]:
    """Runs a ``FakeLab`` on a free port of 127.0.0.1; ``lab.url`` is the API base URL."""
    lab = FakeLab(api_key, duplicate_status)
    with serve_http(_LabHandler, lab=lab) as server:
        lab.url = server.url
        yield lab
