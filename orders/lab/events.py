"""What the lab tells us: its signed webhook, and the poll that asks for events a lost webhook
would have carried. Both record each event once (by id) and move the order forward only."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect import safe_json
from orders import fulfilment
from orders.models import Order
from orders.states import Status

from .errors import LabPermanentError, LabTemporaryError
from .models import LabEvent, LabSubmission
from .services import SUBMITTED_FIELDS, SubmissionStatus, _setting
from .states import submission_set_status
from .transports import get_transport
from .webhooks import (
    WEBHOOK_SIGNATURE_HEADER,
    LabWebhookError,
    parse_lab_event,
    verify_lab_webhook,
)

logger = logging.getLogger(__name__)


# --- The lab's webhook ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    message: str


def lab_webhook_receive(*, body: bytes, headers) -> WebhookResult:
    """Verifies, records and applies one webhook delivery. Bad signature, stale or malformed → 400
    and nothing changes; a repeated event id → 200 without doing anything again."""
    raw = safe_json.storable_text(body[:100_000])  # NUL and invalid UTF-8 stored escaped
    try:
        data = verify_lab_webhook(
            body,
            headers.get(WEBHOOK_SIGNATURE_HEADER, ""),
            settings.LAB_WEBHOOK_SECRET,
        )
        event = parse_lab_event(data)
        submission_id = uuid.UUID(event.submission_id)
    except (LabWebhookError, ValueError) as exc:
        LabEvent.objects.create(raw_body=raw[:10_000], valid=False, error=str(exc)[:1000])
        return WebhookResult(400, str(exc))
    return _record_and_apply(event, submission_id=submission_id, raw=raw)


def _record_and_apply(event, *, submission_id: uuid.UUID, raw: str) -> WebhookResult:
    """Stores the event once by id and applies it; the webhook and the poll both come here."""
    with transaction.atomic():
        record, created = LabEvent.objects.select_for_update().get_or_create(
            event_id=event.id, defaults={"type": event.type, "raw_body": raw, "valid": True}
        )
        if record.processed:
            return WebhookResult(200, "duplicate")
        submission = LabSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None:
            record.error = "unknown submission"
            record.save(update_fields=["error"])
            return WebhookResult(400, "unknown submission")
        record.submission = submission
        record.outcome = _apply_event(submission, event)[:300]
        record.processed = True
        record.error = ""
        record.save()
    return WebhookResult(200, record.outcome)


# --- Asking the lab: the backup for lost webhooks ---------------------------------------------------

# Orders the lab still has to move forward: their submission may be waiting on a lost webhook.
AWAITING_LAB = (Status.CLINICALLY_APPROVED, Status.SENT_TO_LAB, Status.IN_PRODUCTION)


def lab_submissions_to_poll(*, quiet_for_seconds: int | None = None) -> list[LabSubmission]:
    """Submitted rows of orders still at the lab with no event for `LAB_POLL_QUIET_SECONDS`."""
    quiet = int(
        _setting("LAB_POLL_QUIET_SECONDS", 6 * 3600)
        if quiet_for_seconds is None
        else quiet_for_seconds
    )
    cutoff = timezone.now() - timedelta(seconds=quiet)
    return list(
        LabSubmission.objects.filter(
            status=SubmissionStatus.SUBMITTED,
            order__status__in=AWAITING_LAB,
            acknowledged_at__lte=cutoff,
        )
        .annotate(last_event=Max("events__received_at"))
        .filter(Q(last_event__isnull=True) | Q(last_event__lte=cutoff))
        .order_by("acknowledged_at")[:200]
    )


def lab_submissions_poll(*, quiet_for_seconds: int | None = None) -> int:
    """Beat: asks the lab for the events of quiet submissions and applies the ones we missed,
    exactly as if their webhook had arrived (deduplicated by event id). Returns how many were new.

    The drop folder has no API to ask, so with it this does nothing; a lab that does not answer is
    asked again at the next poll."""
    transport = get_transport()
    if not hasattr(transport, "events"):
        return 0
    applied = 0
    for row in lab_submissions_to_poll(quiet_for_seconds=quiet_for_seconds):
        try:
            events = transport.events(str(row.pk))
        except (LabTemporaryError, LabPermanentError) as exc:
            logger.warning("Could not ask the lab about submission %s: %s", row.pk, exc)
            if isinstance(exc, LabTemporaryError):
                break  # the lab is down: the next poll asks again
            continue
        for data in events:
            raw = json.dumps(data)[:10_000]
            try:
                event = parse_lab_event(data)
                if event.submission_id != str(row.pk):
                    raise LabWebhookError("The event is about another submission.")
            except (LabWebhookError, ValueError) as exc:
                logger.warning("The lab's event for %s is unusable: %s", row.pk, exc)
                continue
            result = _record_and_apply(event, submission_id=row.pk, raw=raw)
            applied += int(result.message != "duplicate" and result.status_code == 200)
    return applied


def _apply_event(submission: LabSubmission, event) -> str:
    order = Order.objects.select_for_update().get(pk=submission.order_id)
    if submission.status != SubmissionStatus.SUBMITTED:
        # The lab has it even if our send never heard the answer (a dropped connection).
        submission.lab_reference = (event.lab_reference or submission.lab_reference)[:100]
        submission.acknowledged_at = submission.acknowledged_at or timezone.now()
        submission.last_error = ""
        submission.next_attempt_at = None
        submission_set_status(
            submission=submission, to_status=SubmissionStatus.SUBMITTED, fields=SUBMITTED_FIELDS
        )
    moved = []
    if order.status == Status.CLINICALLY_APPROVED:
        fulfilment.order_mark_sent_to_lab(
            order=order,
            lab_reference=submission.lab_reference,
            note=_("The lab confirmed receipt."),
        )
        moved.append(Status.SENT_TO_LAB)
    # Forward only: an event about an earlier step than the order's status changes nothing.
    if event.type == "in_production" and order.status == Status.SENT_TO_LAB:
        fulfilment.order_mark_in_production(order=order)
        moved.append(Status.IN_PRODUCTION)
    elif event.type == "shipped" and order.status in (Status.SENT_TO_LAB, Status.IN_PRODUCTION):
        fulfilment.order_mark_shipped(
            order=order, carrier=event.carrier, tracking_number=event.tracking_number
        )
        moved.append(Status.SHIPPED)
    if not moved:
        return f"{event.type}: no change (order is {order.status})"
    return f"{event.type}: order moved to {', '.join(moved)}"
