"""Reads for the review of scans: the clinician's and staff's side-by-side view of both feet.
(Which orders wait on staff and the story of an order's scans are `orders.scans.selectors`.)"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import Order

from ..models import Scan
from ..selectors import order_scans

KIND_LABELS = {
    "foot_surface": gettext_lazy("Foot surface (the foot itself)"),
    "impression": gettext_lazy("Impression (a foam box or cast)"),
}
SCALE_LABELS = {
    "resolved": gettext_lazy("Known"),
    "unknown": gettext_lazy("Unknown: staff must set it"),
    "set_by_staff": gettext_lazy("Set by our team"),
}
MEASURES = (
    ("length_mm", gettext_lazy("Foot length")),
    ("ball_width_mm", gettext_lazy("Ball width")),
    ("forefoot_width_mm", gettext_lazy("Forefoot width")),
    ("heel_width_mm", gettext_lazy("Heel width")),
    ("arch_height_mm", gettext_lazy("Arch height")),
    ("arch_length_mm", gettext_lazy("Arch length")),
)


def scan_view_rows(scan: Scan) -> list[tuple[str, str]]:
    """The scan's measurements in mm, labelled, in the order a clinician reads them."""
    found = scan.measurements or {}
    return [
        (str(label), f"{round(float(found[key]))} mm")
        for key, label in MEASURES
        if found.get(key) is not None
    ]


def scan_scale_text(scan: Scan) -> str:
    explanation = ((scan.report or {}).get("scale") or {}).get("explanation", "")
    label = SCALE_LABELS.get(scan.scale_status)
    if label is None:
        label = _("File unit %(unit)s (our guess)") % {"unit": scan.unit or "?"}
    return f"{label}. {explanation}".strip() if explanation else str(label)


def clinic_scans(order: Order) -> list[dict]:
    """Both feet side by side for staff and clinicians: the scan in use (or the latest), its kind,
    measurements, scale, preview and 3D mesh."""
    rows = []
    for side, info in order_scans(order).items():
        scan = info["current"] or info["latest"]
        rows.append(scan_view_row(scan) if scan is not None else {"side": side, "scan": None})
        rows[-1]["label"] = info["label"]
    return rows


def scan_view_row(scan: Scan) -> dict:
    """One scan as the side-by-side view and the admin's 3D view show it."""
    return {
        "side": scan.side,
        "label": scan.get_side_display(),
        "scan": scan,
        "kind": KIND_LABELS.get(scan.kind, ""),
        "measures": scan_view_rows(scan),
        "scale": scan_scale_text(scan),
        "preview_url": (
            reverse("orders:staff_scan_preview", args=[scan.pk]) if scan.preview else ""
        ),
        "mesh_url": (
            reverse("orders:staff_scan_viewer_mesh", args=[scan.pk]) if scan.viewer_mesh else ""
        ),
        "alt": _("Sole of the %(side)s foot, toes at the top") % {"side": _side_word(scan.side)},
    }


def _side_word(side: str) -> str:
    return _("left") if side == Scan.Side.LEFT else _("right")
