"""The lab hand-off: the outbox row, sending it exactly once, the sweep, resends and the lab's webhook.

The lab's webhook and the poll that backs it up are in `events.py`.

Design (orders/lab/README.md): a `LabSubmission` row is written in the same
transaction that makes the order ready (`order_ready_for_lab`), and its send is enqueued on commit.
The send claims the row, counts its own attempts (committed before any network I/O, so a worker that
is SIGKILLed still used up an attempt), then holds a row lock (`select_for_update(skip_locked)`)
while it talks to the lab: a second copy of the task skips a row being sent, and a dead worker's
lock goes with its database connection. Success stores the lab reference and acknowledgement time
and moves the order to SENT_TO_LAB in that same transaction. The submission UUID is the
idempotency key, so a repeat after any failure is a duplicate the lab recognises, not a second device.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect.queueing import enqueue_now, enqueue_on_commit
from orders import fulfilment, services
from orders.clinic.selectors import current_prescription
from orders.models import Order
from orders.scans.meshes import FootMeasurements
from orders.scans.models import FootPhoto, Scan
from orders.states import IllegalTransition, Status

from .errors import LabPermanentError, LabTemporaryError
from .manifest import LabFile, LabPayload, build_manifest
from .models import LabSubmission
from .states import LIVE, submission_set_status
from .transports import get_transport

logger = logging.getLogger(__name__)

# The tasks this module queues, by registered name (`orders.lab.tasks` imports this module).
SEND_TASK = "orders.tasks.send_lab_submission"
ALERT_TASK = "orders.tasks.alert_lab_failure"
ERASE_TASK = "orders.tasks.erase_lab_copies"

SubmissionStatus = LabSubmission.Status
# What a move to SUBMITTED records with it (the send's receipt, or the lab's event).
SUBMITTED_FIELDS = (
    "lab_reference",
    "transport",
    "acknowledged_at",
    "last_error",
    "next_attempt_at",
)


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_attempts() -> int:
    return int(_setting("LAB_MAX_ATTEMPTS", 12))


# --- Creating the outbox row ------------------------------------------------------------------------


def customer_reference(order: Order) -> str:
    """Pseudonymous and stable: the lab never sees a name, email or address."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"order:{order.pk}".encode(), hashlib.sha256
    ).hexdigest()
    return f"cust_{digest[:16]}"


def _clinician_notes(order: Order) -> str:
    if order.assessment_id is None:
        return ""
    review = order.assessment.reviews.order_by("-created_at").first()
    return (getattr(review, "notes", "") or "")[:10000] if review else ""


NO_PRESCRIPTION = _(
    "Waiting for a prescription: a clinician must complete one in the clinic before this order "
    "goes to the lab."
)


def ships_to_customer() -> bool:
    """The lab posts the orthotics to the customer (`LAB_SHIPS_TO_CUSTOMER`)."""
    return bool(_setting("LAB_SHIPS_TO_CUSTOMER", False))


def _delivery(order: Order) -> dict:
    """Where the lab sends the device: to the customer (with the address), or to us (none)."""
    if not ships_to_customer():
        return {"ships_to": "fits_perfect"}
    return {
        "ships_to": "customer",
        "address": {
            "name": order.full_name,
            "address_line1": order.address_line1,
            "address_line2": order.address_line2,
            "city": order.city,
            "region": order.region,
            "postcode": order.postcode,
            "country": (order.country or "").upper(),
            "phone": order.phone,
        },
    }


def _posture(order: Order) -> dict | None:
    """The foot-posture scores from the order's assessment: the self-score per foot (FPI scaled
    to -10..+10, its band) and the clinician's latest FPI rating; None without an assessment."""
    if order.assessment_id is None:
        return None
    assessment = order.assessment
    result = assessment.result or {}

    def foot(side: str) -> dict | None:
        data = result.get(side)
        if not data:
            return None
        score = data.get("score")
        return {
            "score": round(float(score), 2) if score is not None else None,
            "band": data.get("band") or data.get("posture_band"),
        }

    review = assessment.reviews.order_by("-created_at", "-pk").first()
    return {
        "model_version": assessment.model_version or str(result.get("model_version", "")),
        "foot_type": result.get("foot_type", "") or "",
        "left": foot("left"),
        "right": foot("right"),
        "clinician_fpi": {
            side: review.fpi_total(side) if review is not None else None
            for side in ("left", "right")
        },
    }


def _snapshot(order: Order, submission_id: uuid.UUID, revision: int) -> dict:
    """Everything the send needs, frozen now: the current scans and photos, sizes, notes, the
    current prescription, the posture scores and the delivery."""
    scans = {
        scan.side: scan
        for scan in Scan.objects.filter(order=order, is_current=True, status=Scan.Status.VALID)
    }
    if set(scans) != {Scan.Side.LEFT, Scan.Side.RIGHT}:
        raise LabPermanentError(_("The order does not have a valid scan of each foot."))
    line = order.lines.select_related("product").order_by("line_number").first()
    if line is None:
        raise LabPermanentError(_("The order has no items."))
    files = []
    for side in (Scan.Side.LEFT, Scan.Side.RIGHT):
        scan = scans[side]
        files.append(
            {
                "role": f"{side}_scan",
                "storage_name": scan.file.name,
                "name": f"{side}_scan.{scan.file_format}",
                "format": scan.file_format,
                "sha256": scan.sha256,
                "bytes": scan.size_bytes,
                "triangle_count": scan.triangle_count,
                "bbox_mm": scan.bbox_mm,
                "source_unit": scan.unit,
                "scale_to_mm": scan.scale_to_mm,
                "scan_id": scan.pk,
            }
        )
    for photo in FootPhoto.objects.filter(order=order, is_current=True).order_by("role", "pk"):
        files.append(
            {
                "role": photo.role,
                "storage_name": photo.file.name,
                "name": f"{photo.role}.{'jpg' if photo.file_format == 'jpeg' else 'png'}",
                "format": photo.file_format,
                "sha256": photo.sha256,
                "bytes": photo.size_bytes,
            }
        )
    options = {
        "top_cover": line.top_cover or None,
        "extra_pair": bool(line.extra_pair),
        "impression_box": bool(line.impression_box),
    }
    prescription = current_prescription(order)
    return {
        "submission_id": str(submission_id),
        "order_number": order.number,
        "revision": revision,
        "created_at": timezone.now().isoformat(),
        "customer_reference": customer_reference(order),
        "product": line.product.slug,
        "options": options,
        "shoe_size": str(line.size),
        "shoe_size_system": line.size_system.upper(),
        "measurements": {side: scans[side].measurements for side in scans},
        "clinician_notes": _clinician_notes(order),
        "prescription": prescription.for_lab() if prescription is not None else None,
        "posture": _posture(order),
        "delivery": _delivery(order),
        "files": files,
    }


def payload_from_snapshot(data: dict) -> LabPayload:
    """Rebuilds the transport payload; files are read through the private storage (local or S3)
    when the transport sends them, never through a filesystem path."""
    from datetime import datetime

    files = []
    for item in data["files"]:
        bbox = item.get("bbox_mm")
        files.append(
            LabFile(
                role=item["role"],
                path=item["storage_name"],
                storage=default_storage,
                format=item["format"],
                sha256=item["sha256"],
                bytes=item["bytes"],
                triangle_count=item.get("triangle_count"),
                bbox_mm=tuple(bbox) if bbox else None,
                source_unit=item.get("source_unit"),
                scale_to_mm=item.get("scale_to_mm"),
                name=item["name"],
            )
        )
    measurements = {
        side: FootMeasurements.from_dict(values) for side, values in data["measurements"].items()
    }
    return LabPayload(
        submission_id=data["submission_id"],
        order_number=data["order_number"],
        revision=data["revision"],
        created_at=datetime.fromisoformat(data["created_at"]),
        customer_reference=data["customer_reference"],
        product=data["product"],
        options=data["options"],
        shoe_size=data["shoe_size"],
        shoe_size_system=data["shoe_size_system"],
        measurements=measurements,
        files=files,
        clinician_notes=data.get("clinician_notes", ""),
        prescription=data.get("prescription"),
        posture=data.get("posture"),
        delivery=data.get("delivery"),
    )


def enqueue_send_on_commit(submission_id) -> None:
    """After commit, hand the send to Celery. A broker failure is logged, never raised: the row is
    in the database and the beat sweep sends it later."""
    enqueue_on_commit(SEND_TASK, str(submission_id))


@transaction.atomic
def lab_submission_create(*, order: Order) -> LabSubmission | None:
    """Writes the outbox row for the order's current scan set (in the caller's transaction) and
    enqueues its send on commit. Idempotent: a live submission of the order is returned as is.

    No current prescription, no row: the order stays ready (queued for the lab) with the reason
    as its lab error, and goes when a clinician records one (`on_prescription_recorded`)."""
    fresh = Order.objects.select_for_update().get(pk=order.pk)
    existing = (
        LabSubmission.objects.filter(order=fresh, status__in=LIVE).order_by("-revision").first()
    )
    if existing is not None:
        return existing
    if current_prescription(fresh) is None:
        fulfilment.order_set_lab_error(order=fresh, error=NO_PRESCRIPTION)
        logger.warning("Order %s is ready for the lab but has no prescription", fresh.number)
        return None
    revision = (
        LabSubmission.objects.filter(order=fresh).aggregate(top=Max("revision"))["top"] or 0
    ) + 1
    submission = LabSubmission(id=uuid.uuid4(), order=fresh, revision=revision)
    try:
        submission.payload = _snapshot(fresh, submission.id, revision)
        submission.manifest = build_manifest(payload_from_snapshot(submission.payload))
    except LabPermanentError as exc:
        # Never break the approval that got us here: record the problem for staff instead.
        # A row that cannot even be built is created FAILED (a creation, not a move).
        submission = LabSubmission.objects.create(
            id=submission.id,
            order=fresh,
            revision=revision,
            status=SubmissionStatus.FAILED,
            last_error=exc.message,
            payload=submission.payload,
            manifest=submission.manifest,
        )
        fulfilment.order_set_lab_error(order=fresh, error=exc.message)
        logger.error("Lab submission for order %s cannot be built: %s", fresh.number, exc)
        _alert_staff_on_commit(submission.pk)
        return submission
    submission.save()
    enqueue_send_on_commit(submission.id)
    return submission


# --- Sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What the task should do next: nothing (``done``), or retry after ``retry_in`` seconds."""

    result: str  # submitted | already_submitted | failed | busy | retry | missing
    retry_in: float | None = None
    error: str = ""


def backoff_seconds(attempt: int) -> float:
    """The cap of the backoff before retry number ``attempt`` (1-based); the task adds full jitter."""
    base = float(_setting("LAB_RETRY_BACKOFF_SECONDS", 2.0))
    cap = float(_setting("LAB_RETRY_BACKOFF_MAX_SECONDS", 600.0))
    return min(cap, base * (2 ** max(attempt - 1, 0)))


def _claim(submission_id) -> tuple[str, LabSubmission | None]:
    """Counts an attempt and marks the row SENDING, committed before any network I/O."""
    with transaction.atomic():
        row = (
            LabSubmission.objects.select_for_update(skip_locked=True)
            .filter(pk=submission_id)
            .first()
        )
        if row is None:
            return (
                "missing" if not LabSubmission.objects.filter(pk=submission_id).exists() else "busy"
            ), None
        if row.status == SubmissionStatus.SUBMITTED:
            return "already_submitted", row
        if row.status == SubmissionStatus.FAILED:
            return "failed", row
        if row.attempts >= max_attempts():
            _fail(row, row.last_error or _("Gave up after %(n)s attempts.") % {"n": row.attempts})
            return "failed", row
        row.attempts += 1
        row.next_attempt_at = None
        submission_set_status(
            submission=row,
            to_status=SubmissionStatus.SENDING,
            fields=("attempts", "next_attempt_at"),
        )
        return "claimed", row


def _fail(row: LabSubmission, message: str) -> None:
    row.last_error = message[:4000]
    row.next_attempt_at = None
    try:
        submission_set_status(
            submission=row,
            to_status=SubmissionStatus.FAILED,
            fields=("last_error", "next_attempt_at"),
        )
    except IllegalTransition:
        # The lab's event marked it submitted meanwhile: it is not failed, nothing to tell.
        logger.info("Lab submission %s is no longer sendable; not marked failed", row.pk)
        return
    fulfilment.order_set_lab_error(
        order=row.order,
        error=_("Lab submission r%(revision)s failed: %(error)s")
        % {"revision": row.revision, "error": message},
    )
    _alert_staff_on_commit(row.pk)


def _alert_staff_on_commit(submission_id) -> None:
    """A failed submission waits for a person: tell the lab team at once, not only in the admin
    (if the broker is down, the admin's flag and "failed" filter still show it)."""
    enqueue_on_commit(ALERT_TASK, str(submission_id))


def lab_failure_alert_send(*, submission_id) -> bool:
    """Emails `LAB_ALERT_EMAILS` about a FAILED submission: order number, error and admin link, no
    customer details. False when there is nobody to tell or the row is no longer FAILED."""
    from django.core.mail import send_mail

    recipients = list(_setting("LAB_ALERT_EMAILS", []))
    row = LabSubmission.objects.select_related("order").filter(pk=submission_id).first()
    if not recipients or row is None or row.status != SubmissionStatus.FAILED:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse("admin:lab_labsubmission_change", args=[row.pk])
    send_mail(
        subject=f"Lab submission failed: order {row.order.number} r{row.revision}",
        message=(
            f"The lab refused or never accepted order {row.order.number}'s submission "
            f"(revision {row.revision}, {row.attempts} attempt(s)).\n\n"
            f"Error: {row.last_error}\n\n"
            f'Fix the cause, then use "Resend" in the admin: {link}\n'
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return True


def lab_submission_send(*, submission_id) -> SendOutcome:
    """One attempt at handing a submission to the lab (the Celery task calls this)."""
    state, row = _claim(submission_id)
    if state != "claimed":
        if state == "busy":
            return SendOutcome("busy", retry_in=float(_setting("LAB_BUSY_RETRY_SECONDS", 30.0)))
        return SendOutcome(state)
    # PostgreSQL: the row stays locked while we talk to the lab, so another copy of this task skips
    # it, and a worker that dies releases it with its connection. (SQLite has no row locks.)
    hold = connection.features.has_select_for_update
    with transaction.atomic() if hold else contextlib.nullcontext():
        rows = LabSubmission.objects.select_related("order")
        if hold:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        row = rows.filter(pk=submission_id).first()
        if row is None:
            return SendOutcome("busy", retry_in=float(_setting("LAB_BUSY_RETRY_SECONDS", 30.0)))
        if row.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.FAILED):
            return SendOutcome(
                "already_submitted" if row.status == SubmissionStatus.SUBMITTED else "failed"
            )
        try:
            refusal = services.order_clinical_refusal(order=row.order)
            if refusal:
                # The gate closed after the row was written (e.g. a later in-person referral).
                raise LabPermanentError(refusal)
            try:
                payload = payload_from_snapshot(row.payload)
            except (KeyError, TypeError, ValueError) as exc:
                raise LabPermanentError(f"The stored submission is incomplete: {exc!r}") from exc
            receipt = get_transport().send(payload)
        except LabPermanentError as exc:
            with transaction.atomic():
                _fail(row, exc.message)
            return SendOutcome("failed", error=exc.message)
        except LabTemporaryError as exc:
            with transaction.atomic():
                if row.attempts >= max_attempts():
                    _fail(row, exc.message)
                    return SendOutcome("failed", error=exc.message)
                wait = backoff_seconds(row.attempts)
                if exc.retry_after:
                    wait = max(wait, min(float(exc.retry_after), backoff_seconds(99)))
                row.last_error = exc.message[:4000]
                row.next_attempt_at = timezone.now() + timedelta(seconds=wait)
                submission_set_status(
                    submission=row,
                    to_status=SubmissionStatus.RETRYING,
                    fields=("last_error", "next_attempt_at"),
                )
            return SendOutcome("retry", retry_in=wait, error=exc.message)
        with transaction.atomic():
            row.lab_reference = receipt.reference[:100]
            row.transport = receipt.transport
            row.acknowledged_at = receipt.acknowledged_at
            row.last_error = ""
            row.next_attempt_at = None
            submission_set_status(
                submission=row, to_status=SubmissionStatus.SUBMITTED, fields=SUBMITTED_FIELDS
            )
            _order_sent(row, receipt.reference)
    return SendOutcome("submitted")


def _order_sent(row: LabSubmission, reference: str) -> None:
    """Moves the order to SENT_TO_LAB (inside the caller's transaction) unless it is past that."""
    order = Order.objects.select_for_update().get(pk=row.order_id)
    if order.status == Status.CLINICALLY_APPROVED:
        fulfilment.order_mark_sent_to_lab(
            order=order,
            lab_reference=reference[:100],
            note=_("Received by the lab (reference %(ref)s).") % {"ref": reference},
        )
    elif order.lab_error:
        fulfilment.order_set_lab_error(order=order, error="")


# --- Sweep and resend ---------------------------------------------------------------------------------


def lab_submissions_stale(*, older_than_seconds: int | None = None) -> list[str]:
    """Ids of rows that should be moving but are not: pending or sending with no progress, or
    retrying past their due time (a lost enqueue, a dead worker, a broker restart)."""
    stale = int(
        _setting("LAB_SWEEP_STALE_SECONDS", 120)
        if older_than_seconds is None
        else older_than_seconds
    )
    cutoff = timezone.now() - timedelta(seconds=stale)
    rows = LabSubmission.objects.filter(
        Q(status__in=[SubmissionStatus.PENDING, SubmissionStatus.SENDING], updated_at__lte=cutoff)
        | Q(status=SubmissionStatus.RETRYING, next_attempt_at__lte=cutoff)
        | Q(status=SubmissionStatus.RETRYING, next_attempt_at__isnull=True, updated_at__lte=cutoff)
    ).order_by("created_at")
    return [str(pk) for pk in rows.values_list("pk", flat=True)[:500]]


def lab_submissions_sweep(*, older_than_seconds: int | None = None) -> int:
    """Re-enqueues stale rows (the beat task calls this). The claim makes extra copies harmless."""
    count = 0
    for key in lab_submissions_stale(older_than_seconds=older_than_seconds):
        try:
            enqueue_now(SEND_TASK, key)
        except Exception:
            logger.exception("Sweep could not enqueue lab submission %s", key)
            break
        count += 1
    return count


@transaction.atomic
def lab_submission_resend(*, submission: LabSubmission, actor=None) -> bool:
    """Staff "resend": a FAILED row goes back to PENDING with a fresh attempt budget and is sent on
    commit. Safe to press twice: only a FAILED row changes; the same idempotency key is kept."""
    row = LabSubmission.objects.select_for_update().get(pk=submission.pk)
    if row.status != SubmissionStatus.FAILED:
        return False
    row.attempts = 0
    row.next_attempt_at = None
    submission_set_status(
        submission=row, to_status=SubmissionStatus.PENDING, fields=("attempts", "next_attempt_at")
    )
    fulfilment.order_set_lab_error(order=submission.order, error="")
    services.order_add_note(
        order=submission.order,
        actor=actor,
        note=_("Lab submission r%(revision)s resent by staff.") % {"revision": submission.revision},
    )
    enqueue_send_on_commit(submission.pk)
    submission.refresh_from_db()
    return True


def lab_copies_erase_on_commit(*, order: Order) -> bool:
    """A customer's erasure: once it commits, the lab's copies of every submission are deleted
    too (drop folders, or the lab's API), in a task that retries while the lab is unreachable."""
    if not LabSubmission.objects.filter(order=order).exists():
        return False
    enqueue_on_commit(ERASE_TASK, order.pk)
    return True


def lab_copies_erase(*, order_id: int) -> int:
    """Asks the transport to delete each submission's copy; records on the order's timeline how
    many files are gone (counted after deleting). LabTemporaryError propagates for a retry."""
    order = Order.objects.get(pk=order_id)
    transport = get_transport()
    rows = list(LabSubmission.objects.filter(order=order).order_by("revision"))
    deleted = sum(
        transport.erase(order_number=order.number, revision=row.revision, submission_id=str(row.id))
        for row in rows
    )
    services.order_add_note(
        order=order,
        note=_("The lab's copies were erased (%(transport)s): %(count)s deleted.")
        % {"transport": getattr(transport, "name", "lab"), "count": deleted},
    )
    logger.info("Lab copies of order %s erased: %s deleted", order.number, deleted)
    return deleted


def lab_submissions_scrub(*, order: Order, scrub) -> int:
    """Erasure: each submission's frozen payload and manifest pass through ``scrub`` (which blanks
    personal keys); the rows stay, they are the record of what the lab was sent."""
    rows = list(LabSubmission.objects.select_for_update().filter(order=order))
    for row in rows:
        row.payload = scrub(row.payload)
        row.manifest = scrub(row.manifest)
        row.save(update_fields=["payload", "manifest"])
    return len(rows)
