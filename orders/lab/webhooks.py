"""The lab's webhooks: the signature we check, and the events they carry."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fitsperfect import safe_json

WEBHOOK_SIGNATURE_HEADER = "X-Lab-Signature"
WEBHOOK_EVENT_TYPES = ("received", "in_production", "shipped")


class LabWebhookError(ValueError):
    """A webhook that must be refused (bad or missing signature, stale, not JSON)."""


@dataclass(frozen=True)
class LabEventMessage:
    """A status report from the lab (webhook or poll), validated; the stored row is the model
    ``LabEvent``."""

    id: str
    type: str
    submission_id: str
    lab_reference: str
    occurred_at: datetime
    carrier: str = ""
    tracking_number: str = ""


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
        return safe_json.parse_object(body)  # after the signature; size and depth limited
    except safe_json.UnsafeJSON as exc:
        raise LabWebhookError(f"Body is not acceptable JSON ({exc}).") from exc


def parse_lab_event(data: dict[str, Any]) -> LabEventMessage:
    """Validates a verified webhook body: ``{id, type, created_at, data: {submission_id, ...}}``."""
    try:
        inner = data["data"]
        event_type = str(data["type"])
        if event_type not in WEBHOOK_EVENT_TYPES:
            raise LabWebhookError(f"Unknown event type {event_type!r}.")
        occurred = datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00"))
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        event = LabEventMessage(
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
