"""Writes for foot scans and photos: storing uploads, validating them, deciding when an order has them.

An upload is stored privately (random name) as a new revision and validated by a Celery task
(`orders.scans.tasks.validate_scan`) that calls `scan_validate`. A scan becomes the side's *current* scan
only once it is usable (valid, or accepted by staff after review), so a rejected replacement leaves
the order and its other scans as they were. When both sides have a current scan and nothing is still
being checked, the order moves on with `order_mark_scans_received`.
"""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fitsperfect.images import sanitise_photo
from fitsperfect.queueing import enqueue_now, enqueue_on_commit
from orders import fulfilment, services
from orders.models import Order
from orders.states import SCAN_UPLOAD_STATUSES, WAITING_FOR_SCANS_STATUSES, Status

from .meshes import (
    SUPPORTED_FORMATS,
    ScanRejected,
    SizeHint,
    check_pair_issues,
    inspect_mesh,
    render_sole_preview,
    viewer_mesh,
)
from .models import FootPhoto, Scan
from .states import scan_claim_for_check, scan_set_status

logger = logging.getLogger(__name__)

# The validation task, by registered name (`orders.scans.tasks` imports this module).
VALIDATE_TASK = "orders.tasks.validate_scan"
SIDES = (Scan.Side.LEFT, Scan.Side.RIGHT)
MAX_CHECK_ATTEMPTS = 3


class UploadRefused(Exception):  # noqa: N818 - the domain's word
    """The order cannot take scans now; ``message`` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def order_accepts_scans(order: Order) -> bool:
    """`orders.states.SCAN_UPLOAD_STATUSES` is the one list; after approval the order is on its way."""
    return order.status in SCAN_UPLOAD_STATUSES


def other_side(side: str) -> str:
    return Scan.Side.RIGHT if side == Scan.Side.LEFT else Scan.Side.LEFT


def _enqueue_validation(scan_id: int) -> None:
    """The sweep re-enqueues scans left waiting if the broker is down now."""
    enqueue_on_commit(VALIDATE_TASK, scan_id)


def scan_upload(*, order: Order, side: str, uploaded, original_name: str = "") -> Scan:
    """Stores an uploaded scan as the side's next revision and queues its validation.

    ``uploaded`` is a Django ``UploadedFile`` (ideally a ``StreamedUploadedFile``: it is moved into
    storage, never read into memory). Replacing a scan of an order that already had both sends the
    order back to waiting for scans until the replacement is checked.

    The file is stored before the order's row is locked: sending 150 MB to an object store takes
    seconds, and the lock would make the order's other uploads and the payment and lab webhooks
    wait. If the order refuses the scan once locked, the stored file is deleted again.
    """
    if side not in SIDES:
        raise ValueError(f"Unknown side {side!r}")
    if not order_accepts_scans(order):
        raise UploadRefused(_("This order cannot take new scans now."))
    name = original_name or os.path.basename(uploaded.name or "") or "scan"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    scan = Scan(
        order=order,
        side=side,
        original_name=name[:255],
        file_format=extension if extension in SUPPORTED_FORMATS else "",
        size_bytes=uploaded.size or 0,
        sha256=getattr(uploaded, "sha256", "") or "",
    )
    # Never read into memory: FileSystemStorage moves the temporary upload into place
    # (file_move_safe); S3 streams it from the temporary file in a few bounded parts.
    scan.file.save("scan", uploaded, save=False)
    try:
        with transaction.atomic():
            fresh = Order.objects.select_for_update().get(pk=order.pk)
            if not order_accepts_scans(fresh):
                raise UploadRefused(_("This order cannot take new scans now."))
            scan.order = fresh
            scan.revision = (
                Scan.objects.filter(order=fresh, side=side).aggregate(top=Max("revision"))["top"]
                or 0
            ) + 1
            scan.save()
            if fresh.status == Status.SCANS_RECEIVED:
                fulfilment.order_mark_scans_needed(
                    order=fresh,
                    note=_("The customer replaced the %(side)s scan; checking it.")
                    % {"side": scan.get_side_display().lower()},
                )
            _enqueue_validation(scan.pk)
    except BaseException:
        scan.file.storage.delete(scan.file.name)  # no row points at it
        raise
    return scan


def order_size_hint(order: Order) -> SizeHint | None:
    """What the order says about the foot (its shoe size): the check of the scan's unit. Orders
    record no typed foot length yet, so the hint carries none."""
    line = order.lines.order_by("line_number").first()
    if line is None:
        return None
    return SizeHint(system=line.size_system, size=line.size, foot_length_mm=None)


def _same_file_message(scan: Scan, other: Scan) -> str:
    left, right = (scan, other) if scan.side == Scan.Side.LEFT else (other, scan)
    return _(
        "The left and right scans are the same file (“%(left)s” and “%(right)s”). "
        "Please upload a scan of each foot."
    ) % {"left": left.original_name, "right": right.original_name}


def scan_validate(*, scan_id: int) -> Scan | None:
    """Parses and measures one scan, renders its preview and records the outcome (the Celery task
    calls this). Safe to run twice: a scan already decided is left alone."""
    if not scan_claim_for_check(scan_id=scan_id):
        return Scan.objects.filter(pk=scan_id).first()
    attempts = Scan.objects.values_list("check_attempts", flat=True).get(pk=scan_id)
    if attempts > MAX_CHECK_ATTEMPTS:
        # Earlier runs never finished (the worker died on this file): stop, tell the customer.
        name = Scan.objects.values_list("original_name", flat=True).get(pk=scan_id)
        failure = ScanRejected(
            name,
            "unprocessable",
            _("We could not process “%(name)s”. Please export the scan again and upload it.")
            % {"name": name},
        )
        return _record_validation(
            scan_id=scan_id, report=None, rejection=failure, preview=b"", viewer=b""
        )
    scan = Scan.objects.select_related("order").get(pk=scan_id)
    report = None
    rejection: ScanRejected | None = None
    preview = viewer = b""
    try:
        # Through the storage API (a local folder or S3), never a filesystem path.
        with scan.file.storage.open(scan.file.name, "rb") as source:
            report = inspect_mesh(
                source,
                filename=scan.original_name,
                max_bytes=None,
                size_hint=order_size_hint(scan.order),
            )
        preview, viewer = scan_renderings(report, side=scan.side)
    except ScanRejected as exc:
        rejection = exc
    finally:
        if report is not None:
            report.aligned = None  # it holds the whole mesh
    return _record_validation(
        scan_id=scan_id, report=report, rejection=rejection, preview=preview, viewer=viewer
    )


def scan_renderings(report, *, side: str) -> tuple[bytes, bytes]:
    """The sole preview (toes up, labelled with the scan's side) and the light copy of the mesh
    for the 3D view, both made in the worker from the report's aligned mesh."""
    return render_sole_preview(report, side=side), viewer_mesh(report)


@transaction.atomic
def _record_validation(
    *, scan_id: int, report, rejection, preview: bytes, viewer: bytes
) -> Scan | None:
    order_id = Scan.objects.values_list("order_id", flat=True).get(pk=scan_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    scan = Scan.objects.select_for_update().get(pk=scan_id)
    if scan.status != Scan.Status.CHECKING:
        return scan
    now = timezone.now()
    scan.validated_at = now
    if rejection is None and report is not None:
        duplicate = (
            Scan.objects.filter(order=order, side=other_side(scan.side), sha256=report.sha256)
            .exclude(status=Scan.Status.REJECTED)
            .first()
        )
        if duplicate is not None:
            rejection = ScanRejected(
                scan.original_name, "same_file", _same_file_message(scan, duplicate)
            )
    if rejection is not None:
        scan.rejection_code = rejection.code
        scan.rejection_message = rejection.message
        scan_set_status(scan=scan, to_status=Scan.Status.REJECTED)
    else:
        scan_store_report(scan, report, preview=preview, viewer=viewer)
        if report.needs_review:
            scan_set_status(scan=scan, to_status=Scan.Status.NEEDS_REVIEW)
        else:
            scan_make_current(scan)
            scan_set_status(scan=scan, to_status=Scan.Status.VALID)
    order_advance_for_scans(order)
    return scan


def scan_store_report(scan: Scan, report, *, preview: bytes, viewer: bytes) -> None:
    """Copies what the analysis says onto the (locked) scan, first check or staff re-scale alike;
    the caller saves it. The lab's manifest reads these fields, so it follows a re-scale."""
    data = report.to_dict()
    scan.sha256 = report.sha256
    scan.size_bytes = report.size_bytes
    scan.file_format = report.file_format
    scan.triangle_count = report.triangle_count
    scan.bbox_mm = list(report.bbox_size_mm)
    scan.kind, scan.scale_status = report.kind, report.scale.status
    scan.unit = report.scale.unit or ""
    scan.unit_confidence = round(float(report.scale.confidence), 3)
    scan.scale_to_mm = float(report.scale.scale_to_mm) if report.scale.scale_to_mm else None
    scan.measurements = data["measurements"]
    scan.side_guess = report.side.side or ""
    scan.warnings = list(report.warnings)
    scan.review_reasons = list(report.review_reasons)
    scan.report = data
    if preview:
        scan.preview.save("preview.png", ContentFile(preview), save=False)
    if viewer:
        scan.viewer_mesh.save("viewer.stl", ContentFile(viewer), save=False)


def scan_make_current(scan: Scan) -> None:
    """The side's other scans step down; the caller saves ``scan`` (through `scan_set_status`)."""
    Scan.objects.filter(order_id=scan.order_id, side=scan.side, is_current=True).exclude(
        pk=scan.pk
    ).update(is_current=False)
    scan.is_current = True


def order_advance_for_scans(order: Order) -> None:
    """Inside the caller's transaction, with the order locked: both sides usable and nothing still
    being checked → scans received (and on to the lab if already approved)."""
    if order.status not in WAITING_FOR_SCANS_STATUSES:
        return
    scans = list(Scan.objects.filter(order=order))
    if any(scan.is_pending for scan in scans):
        return
    current = {scan.side for scan in scans if scan.is_current and scan.is_usable}
    if current == set(SIDES):
        fulfilment.order_mark_scans_received(order=order)


@transaction.atomic
def scan_accept_after_review(*, scan: Scan, actor) -> Scan:
    """Staff looked at a scan flagged for review (e.g. an unsure unit) and accept it."""
    order = Order.objects.select_for_update().get(pk=scan.order_id)
    fresh = Scan.objects.select_for_update().get(pk=scan.pk)
    if fresh.status != Scan.Status.NEEDS_REVIEW:
        raise ValueError(_("Only a scan waiting for review can be accepted."))
    if not order_accepts_scans(order):
        raise ValueError(_("This order cannot take new scans now."))
    newer = Scan.objects.filter(order=order, side=fresh.side, revision__gt=fresh.revision).exclude(
        status=Scan.Status.REJECTED
    )
    if newer.exists():
        raise ValueError(_("The customer has uploaded a newer scan of this foot."))
    fresh.accepted_by = actor if getattr(actor, "pk", None) else None
    fresh.accepted_at = timezone.now()
    scan_make_current(fresh)
    scan_set_status(scan=fresh, to_status=Scan.Status.VALID)
    services.order_add_note(
        order=order,
        actor=actor,
        note=_("Staff accepted the %(side)s scan (revision %(revision)s) after review.")
        % {"side": fresh.get_side_display().lower(), "revision": fresh.revision},
    )
    order_advance_for_scans(order)
    scan.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return fresh


def scans_requeue_stale(*, older_than_seconds: int = 300) -> int:
    """Re-enqueues validation of scans left waiting (broker down at upload); for the beat sweep."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Scan.objects.filter(
            status__in=[Scan.Status.UPLOADED, Scan.Status.CHECKING], created_at__lt=cutoff
        ).values_list("pk", flat=True)[:200]
    )
    for scan_id in ids:
        try:
            enqueue_now(VALIDATE_TASK, scan_id)
        except Exception:
            logger.exception("Could not re-enqueue validation of scan %s", scan_id)
            break
    return len(ids)


# --- Photos -----------------------------------------------------------------------------------------


@transaction.atomic
def photo_upload(*, order: Order, role: str, uploaded) -> FootPhoto:
    """Decodes and re-encodes a foot photo (no EXIF/GPS/comments survive) and stores it privately.

    Raises ``PhotoRejected`` (with a message to show) for anything but a sane JPEG or PNG.
    """
    if role not in FootPhoto.Role.values:
        raise ValueError(f"Unknown photo role {role!r}")
    fresh = Order.objects.select_for_update().get(pk=order.pk)
    if not order_accepts_scans(fresh):
        raise UploadRefused(_("This order cannot take new photos now."))
    clean = sanitise_photo(uploaded)
    import hashlib

    fmt = "jpeg" if clean.format == "JPEG" else "png"
    photo = FootPhoto(
        order=fresh,
        role=role,
        file_format=fmt,
        width=clean.width,
        height=clean.height,
        size_bytes=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
    )
    photo.file.save("photo", ContentFile(clean.content), save=False)
    FootPhoto.objects.filter(order=fresh, role=role, is_current=True).update(is_current=False)
    photo.save()
    return photo


def pair_warnings(left: Scan | None, right: Scan | None) -> list[str]:
    """Warnings about the pair (swapped feet, very different lengths) from the stored results."""
    if left is None or right is None or not left.measurements or not right.measurements:
        return []

    def view(scan: Scan):
        return SimpleNamespace(
            sha256=scan.sha256,
            filename=scan.original_name,
            measurements=SimpleNamespace(length_mm=float(scan.measurements.get("length_mm", 0))),
            side=SimpleNamespace(side=scan.side_guess or None),
        )

    return [
        issue.message
        for issue in check_pair_issues(view(left), view(right))
        if issue.code != "same_file"
    ]


def scans_rejected_purge(*, older_than_days: int | None = None) -> int:
    """Deletes rejected uploads (rows and files) past the retention period: a refused file is
    health data with no further use. Beat runs this daily; returns how many were purged."""
    from django.conf import settings

    days = settings.REJECTED_UPLOAD_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timezone.timedelta(days=days)
    purged = 0
    for scan in Scan.objects.filter(status=Scan.Status.REJECTED, created_at__lt=cutoff).iterator():
        names = [scan.file.name, scan.preview.name, scan.viewer_mesh.name]
        with transaction.atomic():
            scan.delete()
            transaction.on_commit(lambda names=names: [delete_stored(name) for name in names])
        purged += 1
    return purged


def delete_stored(name: str) -> None:
    """Removes a stored file through the storage API (local or S3); a missing file is no error.
    Used by the rejected-upload purge and when a transaction that saved a file fails."""
    if name:
        default_storage.delete(name)


@transaction.atomic
def scans_erase_for_order(*, order: Order) -> tuple[int, int, list[tuple]]:
    """Erasure of an order's scans and photos: scan rows keep their revision and status with the
    name, measurements and report blanked; photo rows go. Returns (scans, photos, files): the
    (storage, name) of each file, for the caller to delete once its transaction commits."""
    files: list[tuple] = []
    scans = list(Scan.objects.select_for_update().filter(order=order))
    for scan in scans:
        stored = (scan.file, scan.preview, scan.viewer_mesh)
        files += [(f.storage, f.name) for f in stored if f and f.name]
        scan.original_name = "erased"
        scan.measurements, scan.report = {}, {}
        scan.warnings, scan.bbox_mm = [], []
        scan.file.name = ""
        scan.preview.name = scan.viewer_mesh.name = ""
        scan.save()
    photos = list(FootPhoto.objects.filter(order=order))
    for photo in photos:
        if photo.file and photo.file.name:
            files.append((photo.file.storage, photo.file.name))
        photo.delete()
    return len(scans), len(photos), files
