"""Staff decisions on a scan: set its scale, swap left and right, reject it and ask for a new one.

Each is one call that locks the order and the scan, changes the scan through its one state writer
(`orders.scans.states.scan_set_status`) where its status moves, and writes a note on the order's
timeline (who, when, what). Accepting a scan is `orders.scans.services.scan_accept_after_review`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fitsperfect.outbox import outbox_email_queue
from orders import fulfilment
from orders import services as order_services
from orders.models import Order
from orders.states import Status

from .. import meshes
from ..models import Scan
from ..services import (
    delete_stored,
    order_accepts_scans,
    order_advance_for_scans,
    order_size_hint,
    other_side,
    scan_make_current,
    scan_renderings,
    scan_store_report,
)
from ..states import scan_set_status

REVIEWABLE = (Scan.Status.NEEDS_REVIEW, Scan.Status.VALID)


@dataclass(frozen=True)
class RejectionReason:
    code: str
    label: str  # for staff
    advice: str  # for the customer: what to do now


REJECTION_REASONS = {
    reason.code: reason
    for reason in (
        RejectionReason(
            "not_a_foot",
            gettext_lazy("Not a foot scan"),
            gettext_lazy("The file does not show a foot. Please scan your foot again."),
        ),
        RejectionReason(
            "incomplete",
            gettext_lazy("Part of the foot is missing"),
            gettext_lazy(
                "Part of the foot (heel, toes or sole) is missing. Please scan the whole foot, "
                "from the heel to the tips of the toes."
            ),
        ),
        RejectionReason(
            "wrong_foot",
            gettext_lazy("Both scans show the same foot"),
            gettext_lazy("Both scans seem to show the same foot. Please scan each foot."),
        ),
        RejectionReason(
            "unknown_scale",
            gettext_lazy("We cannot tell its size"),
            gettext_lazy(
                "We cannot tell the size of the foot from this file. Please export it again in "
                "millimetres, or tell us your foot length when you upload it."
            ),
        ),
        RejectionReason(
            "poor_quality",
            gettext_lazy("Too noisy, blurred or full of holes"),
            gettext_lazy(
                "The scan is too noisy or has large holes. Please scan again in good light, "
                "moving slowly around the foot."
            ),
        ),
        RejectionReason(
            "other",
            gettext_lazy("Another reason (explain below)"),
            gettext_lazy("Please upload a new scan of this foot."),
        ),
    )
}


class ReviewRefused(ValueError):
    """The decision cannot be made now; the message is safe to show to staff."""


def _locked(scan: Scan) -> tuple[Order, Scan]:
    order = Order.objects.select_for_update().get(pk=scan.order_id)
    return order, Scan.objects.select_for_update().get(pk=scan.pk)


def _side(scan: Scan) -> str:
    return scan.get_side_display().lower()


def _check_reviewable(order: Order, scan: Scan) -> None:
    if scan.status not in REVIEWABLE:
        raise ReviewRefused(_("Only a scan in review or in use can be changed."))
    if not order_accepts_scans(order):
        raise ReviewRefused(_("This order is already on its way to the lab."))


@transaction.atomic
def scan_reject(*, scan: Scan, actor, reason: str, note: str = "") -> Scan:
    """Staff reject a scan: it stops being used, the order waits for scans again, and the customer
    is emailed why and what to do (the how-to page and the upload page). The other side's scan
    and earlier revisions stay as they were."""
    if reason not in REJECTION_REASONS:
        raise ReviewRefused(_("Choose a reason."))
    order, fresh = _locked(scan)
    _check_reviewable(order, fresh)
    chosen = REJECTION_REASONS[reason]
    message = str(chosen.advice) + (f" {note.strip()}" if note.strip() else "")
    was_current = fresh.is_current
    fresh.rejection_code = f"staff_{reason}"
    fresh.rejection_message = message
    fresh.is_current = False
    scan_set_status(
        scan=fresh,
        to_status=Scan.Status.REJECTED,
        fields=("rejection_code", "rejection_message", "is_current"),
    )
    note_text = _(
        "Staff rejected the %(side)s scan (revision %(revision)s): %(reason)s. %(note)s"
    ) % {"side": _side(fresh), "revision": fresh.revision, "reason": chosen.label, "note": note}
    if order.status == Status.SCANS_RECEIVED and was_current:
        fulfilment.order_mark_scans_needed(
            order=order, actor=actor, note=note_text.strip(), status_email=False
        )
    else:
        order_services.order_add_note(order=order, actor=actor, note=note_text.strip())
    _email_rejection(order, fresh)
    return fresh


def _email_rejection(order: Order, scan: Scan) -> None:
    context = {
        "order": order,
        "scan": scan,
        "side": scan.get_side_display(),
        "advice": scan.rejection_message,
        "order_url": settings.SITE_URL + order.get_absolute_url(),
        "scans_url": settings.SITE_URL + reverse("orders:scans", args=[order.access_token]),
        "how_to_url": settings.SITE_URL + reverse("orders:scan_how_to"),
    }
    outbox_email_queue(
        to=order.email,
        subject=render_to_string("scans/emails/scan_rejected_subject.txt", context),
        text=render_to_string("scans/emails/scan_rejected.txt", context),
        html=render_to_string("scans/emails/scan_rejected.html", context),
        kind="scan_rejected",
        ref=order.number,
    )


def _inspect_with_scale(scan: Scan, *, unit: str | None, foot_length_mm: float | None):
    """The upload path's analysis again (same size hint), with the scale staff chose."""
    override = meshes.ScaleOverride(unit=unit, foot_length_mm=foot_length_mm)
    with scan.file.storage.open(scan.file.name, "rb") as source:
        report = meshes.inspect_mesh(
            source,
            filename=scan.original_name,
            max_bytes=None,
            size_hint=order_size_hint(scan.order),
            scale_override=override,
        )
    try:
        preview, viewer = scan_renderings(report, side=scan.side)
    finally:
        report.aligned = None
    return report, preview, viewer


def scan_set_scale(
    *,
    scan: Scan,
    actor,
    unit: str | None = None,
    foot_length_mm: float | None = None,
    accept: bool = True,
) -> Scan:
    """Staff set the scale of a scan (a unit, or "the foot is N mm long"): the file is measured
    again with it (measurements, preview, 3D copy; the lab's manifest reads them from the scan)
    and the change is recorded. With ``accept`` a scan in review is accepted in the same step.
    The file is read and measured before any row is locked (it takes seconds)."""
    if (unit is None) == (foot_length_mm is None):
        raise ReviewRefused(_("Give either a unit or a foot length."))
    scan = Scan.objects.select_related("order").get(pk=scan.pk)
    _check_reviewable(scan.order, scan)
    report, preview, viewer = _inspect_with_scale(scan, unit=unit, foot_length_mm=foot_length_mm)
    with transaction.atomic():
        order, fresh = _locked(scan)
        _check_reviewable(order, fresh)
        old_files = [fresh.preview.name, fresh.viewer_mesh.name]
        before = (fresh.measurements or {}).get("length_mm")
        scan_store_report(fresh, report, preview=preview, viewer=viewer)
        what = (
            _("unit %(unit)s") % {"unit": unit}
            if unit
            else _("foot length %(mm)s mm") % {"mm": round(foot_length_mm)}
        )
        note = _(
            "Staff set the scale of the %(side)s scan (revision %(revision)s): %(what)s; "
            "length %(before)s mm → %(after)s mm."
        ) % {
            "side": _side(fresh),
            "revision": fresh.revision,
            "what": what,
            "before": round(before) if before is not None else "?",
            "after": round(fresh.measurements.get("length_mm", 0)),
        }
        if accept and fresh.status == Scan.Status.NEEDS_REVIEW:
            newer = Scan.objects.filter(
                order=order, side=fresh.side, revision__gt=fresh.revision
            ).exclude(status=Scan.Status.REJECTED)
            if newer.exists():
                raise ReviewRefused(_("The customer has uploaded a newer scan of this foot."))
            fresh.accepted_by = actor if getattr(actor, "pk", None) else None
            fresh.accepted_at = timezone.now()
            scan_make_current(fresh)
            scan_set_status(scan=fresh, to_status=Scan.Status.VALID)
            note += " " + _("Accepted.")
        else:
            fresh.save()
        order_services.order_add_note(order=order, actor=actor, note=note)
        order_advance_for_scans(order)
        kept = {fresh.preview.name, fresh.viewer_mesh.name}
        transaction.on_commit(
            lambda: [delete_stored(name) for name in old_files if name and name not in kept]
        )
    return fresh


def _kept_scale(scan: Scan) -> meshes.ScaleOverride | None:
    """The scale staff set on a scan, so measuring it again gives the same figures."""
    if scan.scale_status != "set_by_staff":
        return None
    if scan.unit in meshes.UNIT_SCALES_TO_MM:
        return meshes.ScaleOverride(unit=scan.unit)
    return meshes.ScaleOverride(foot_length_mm=(scan.measurements or {}).get("length_mm"))


def _preview_for_side(scan: Scan, side: str) -> bytes:
    """The sole preview drawn again under the scan's new side label (the label is in the image)."""
    with scan.file.storage.open(scan.file.name, "rb") as source:
        report = meshes.inspect_mesh(
            source,
            filename=scan.original_name,
            max_bytes=None,
            size_hint=order_size_hint(scan.order),
            scale_override=_kept_scale(scan),
        )
    try:
        return meshes.render_sole_preview(report, side=side)
    finally:
        report.aligned = None


def _scans_to_swap(scans: list[Scan]) -> dict[str, Scan]:
    picked = {}
    for side in (Scan.Side.LEFT, Scan.Side.RIGHT):
        mine = sorted((s for s in scans if s.side == side), key=lambda s: -s.revision)
        current = next((s for s in mine if s.is_current), mine[0] if mine else None)
        if current is None:
            raise ReviewRefused(_("Both feet need a scan before they can be swapped."))
        picked[side] = current
    if any(scan.is_pending for scan in picked.values()):
        raise ReviewRefused(_("Wait until both scans are checked."))
    return picked


def scans_swap_sides(*, order: Order, actor) -> tuple[Scan, Scan]:
    """The customer uploaded the left foot as the right one and the other way round: the two
    scans in use (or latest) change sides, each as the next revision of its new side, and their
    previews are drawn again with the new label. The files are read before any row is locked."""
    unlocked = list(
        Scan.objects.select_related("order")
        .filter(order=order)
        .exclude(status=Scan.Status.REJECTED)
    )
    planned = _scans_to_swap(unlocked)
    previews = {
        scan.pk: _preview_for_side(scan, other_side(side)) for side, scan in planned.items()
    }
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order_accepts_scans(order):
            raise ReviewRefused(_("This order is already on its way to the lab."))
        scans = list(
            Scan.objects.select_for_update()
            .filter(order=order)
            .exclude(status=Scan.Status.REJECTED)
        )
        picked = _scans_to_swap(scans)
        if {scan.pk for scan in picked.values()} != set(previews):
            raise ReviewRefused(_("The scans changed while you were looking. Please try again."))
        tops = dict(
            Scan.objects.filter(order=order).values_list("side").annotate(top=Max("revision"))
        )
        left, right = picked[Scan.Side.LEFT], picked[Scan.Side.RIGHT]
        was_current = {left.pk: left.is_current, right.pk: right.is_current}
        old_previews = [left.preview.name, right.preview.name]
        Scan.objects.filter(pk__in=[left.pk, right.pk]).update(is_current=False)
        for scan, new_side in ((left, Scan.Side.RIGHT), (right, Scan.Side.LEFT)):
            scan.side, scan.revision, scan.is_current = new_side, tops[new_side] + 1, False
            scan.preview.save("preview.png", ContentFile(previews[scan.pk]), save=False)
            scan.save(update_fields=["side", "revision", "is_current", "preview"])
        for scan in (left, right):
            if was_current[scan.pk]:
                scan_make_current(scan)
                scan.save(update_fields=["is_current"])
        order_services.order_add_note(
            order=order,
            actor=actor,
            note=_("Staff swapped the left and right scans (now left r%(l)s, right r%(r)s).")
            % {"l": right.revision, "r": left.revision},
        )
        order_advance_for_scans(order)
        kept = {left.preview.name, right.preview.name}
        transaction.on_commit(
            lambda: [delete_stored(name) for name in old_previews if name and name not in kept]
        )
    return right, left
