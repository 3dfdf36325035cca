"""Reads of foot scans: the scans page per side, the clinician's panel, a scan in words, and the
one story of an order's scans (`order_scans_story`: the customer's scans page and the admin say
the same) with the orders waiting on staff (`orders_with_scans_to_review`, the admin's filter)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from orders.models import Order

from .models import Scan


def order_scans(order: Order) -> dict:
    """For the scans page: per side, the latest upload and the scan in use (they may differ)."""
    scans = list(Scan.objects.filter(order=order).order_by("side", "-revision"))
    result = {}
    for side in (Scan.Side.LEFT, Scan.Side.RIGHT):
        mine = [scan for scan in scans if scan.side == side]
        result[side] = {
            "latest": mine[0] if mine else None,
            "current": next((scan for scan in mine if scan.is_current), None),
            "label": Scan.Side(side).label,
        }
    return result


def clinic_scan_panel(assessment) -> dict | None:
    """The clinician's panel on an assessment: each linked order's scans in use, in words."""
    scans = list(
        Scan.objects.filter(order__assessment=assessment, is_current=True)
        .select_related("order")
        .order_by("order__created_at", "side")
    )
    if not scans:
        return None
    rows, links = [], []
    for scan in scans:
        rows.append((f"{scan.order.number} · {scan.get_side_display()}", scan_summary(scan)))
        if scan.preview:
            links.append(
                (
                    _("%(side)s sole preview (%(order)s)")
                    % {"side": scan.get_side_display(), "order": scan.order.number},
                    reverse("orders:staff_scan_preview", args=[scan.pk]),
                )
            )
    return {"title": _("Foot scans"), "rows": rows, "links": links}


def scan_summary(scan) -> str:
    """ "Length 260 mm, ball 102 mm, heel 64 mm, arch 15 mm; unit mm (95 %)"."""
    m = scan.measurements or {}
    if not m:
        return ""
    parts = [
        _("length %(v)s mm") % {"v": round(m.get("length_mm", 0))},
        _("ball %(v)s mm") % {"v": round(m.get("ball_width_mm", m.get("forefoot_width_mm")) or 0)},
        _("heel %(v)s mm") % {"v": round(m.get("heel_width_mm", 0))},
    ]
    if m.get("arch_height_mm") is not None:
        parts.append(_("arch %(v)s mm") % {"v": round(m["arch_height_mm"])})
    text = ", ".join(parts)
    if scan.unit:
        text += "; " + _("file unit %(unit)s (%(pct)s %% sure)") % {
            "unit": scan.unit,
            "pct": round((scan.unit_confidence or 0) * 100),
        }
    return text[:1].upper() + text[1:]


def clinic_order_scans(order: Order) -> list[dict]:
    """Per side: the scan in use (or the latest upload), its status and measurements in words,
    and its sole preview, for the clinic's page of an order without an assessment."""
    rows = []
    for info in order_scans(order).values():
        scan = info["current"] or info["latest"]
        rows.append(
            {
                "label": info["label"],
                "scan": scan,
                "summary": scan_summary(scan) if scan is not None else "",
                "preview_url": (
                    reverse("orders:staff_scan_preview", args=[scan.pk])
                    if scan is not None and scan.preview
                    else ""
                ),
            }
        )
    return rows


def scans_waiting_for_review() -> QuerySet[Scan]:
    """Scans in review that nothing newer replaced (a newer upload of the side makes them moot)."""
    newer = Scan.objects.filter(
        order=OuterRef("order"), side=OuterRef("side"), revision__gt=OuterRef("revision")
    ).exclude(status=Scan.Status.REJECTED)
    return Scan.objects.filter(status=Scan.Status.NEEDS_REVIEW).exclude(Exists(newer))


def orders_with_scans_to_review() -> QuerySet[Order]:
    """Orders with a scan waiting for staff (the admin's "scans to review")."""
    waiting = scans_waiting_for_review().filter(order=OuterRef("pk"))
    return Order.objects.filter(Exists(waiting))


def _side_story(info: dict) -> dict:
    latest, current = info["latest"], info["current"]
    usable = current if current is not None and current.is_usable else None
    if latest is None:
        state, text = "needed", _("Please upload a scan of this foot.")
    elif latest.is_pending:
        state, text = "checking", _("We are checking it. This usually takes under a minute.")
    elif latest.status == Scan.Status.NEEDS_REVIEW:
        state = "in_review"
        text = _(
            "We are checking it: a member of our team will look at it. You do not need to do anything."
        )
    elif latest.status == Scan.Status.REJECTED and usable is None:
        state, text = "rejected", _("We cannot use this scan. Please upload a new one.")
    elif latest.status == Scan.Status.REJECTED:
        state = "using_earlier"
        text = _("We could not use your new scan, so we are still using the earlier one.")
    elif latest.accepted_by_id or latest.accepted_at:
        state, text = "accepted_by_staff", _("Our team checked this scan and accepted it.")
    else:
        state, text = "valid", _("This scan passed our checks.")
    return {"state": state, "text": text, "latest": latest, "current": usable}


def order_scans_story(order: Order) -> dict:
    """What is true of the order's scans, per side and as a whole, in words for the customer.

    ``waiting_on_us``: a scan is being checked or waits for our team (never "upload your scans");
    ``needs_customer``: a side has no usable scan and nothing of it is being checked; ``ready``:
    both sides have a usable scan and nothing is being checked."""
    sides = {
        side: _side_story(info) | {"label": info["label"]}
        for side, info in order_scans(order).items()
    }
    states = {story["state"] for story in sides.values()}
    waiting = bool(states & {"checking", "in_review"})
    needs_customer = bool(states & {"needed", "rejected"})
    ready = all(story["current"] is not None for story in sides.values()) and not waiting
    box = order.lines.filter(impression_box=True).exists()
    if waiting:
        headline = _("We are checking your scans.")
    elif needs_customer and box:
        headline = _(
            "We are posting you a foam impression box: press each foot into it and post it "
            "back; we scan it for you. You can also upload scans yourself."
        )
    elif needs_customer:
        headline = _("Please upload your scans.")
    elif any(story["state"] == "accepted_by_staff" for story in sides.values()):
        headline = _("Our team checked your scans.")
    else:
        headline = _("Your scans passed our checks.")
    return {
        "sides": sides,
        "waiting_on_us": waiting,
        "needs_customer": needs_customer and not waiting,
        "ready": ready,
        "impression_box": box,
        "headline": headline,
    }
