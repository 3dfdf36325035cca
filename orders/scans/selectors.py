"""Reads of foot scans: the scans page per side, the clinician's panel, a scan in words."""

from __future__ import annotations

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
