"""Reads for orders: what pages, admin and emails show."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from fitsperfect import pagecache

from .models import Order, OrderStatusChange, Product, ProductOption
from .states import HAPPY_PATH, PAID_STATUSES, PAYABLE_STATUSES, SCAN_UPLOAD_STATUSES, Status


def products_on_sale() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).prefetch_related(
        Prefetch("options", queryset=ProductOption.objects.order_by("kind", "position", "name"))
    )


def product_by_slug(slug: str) -> Product | None:
    return products_on_sale().filter(slug=slug).first()


# The catalogue's version, in the shared cache: pages that show products (kept rendered by each
# process, or in the page cache) are only served under the version they were made under. A
# product or option change sets a new one once it commits (orders.receivers).
CATALOGUE_VERSION_KEY = "orders:catalogue:version"


def catalogue_version() -> object:
    """The current version (see `pagecache.shared_version`: this process's copy, a few seconds)."""
    return pagecache.shared_version(CATALOGUE_VERSION_KEY)


def order_by_token(token: str) -> Order | None:
    return (
        Order.objects.select_related("assessment")
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.order_by("created_at", "id"),
            ),
        )
        .filter(access_token=token)
        .first()
    )


def order_by_number_and_email(number: str, email: str) -> Order | None:
    number = number.strip().upper()
    if number and not number.startswith("FP-"):
        number = "FP-" + number
    return Order.objects.filter(number=number, email__iexact=email.strip()).first()


def orders_for_user(user) -> QuerySet[Order]:
    if not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    return Order.objects.filter(user=user).order_by("-created_at")


def order_progress(order: Order) -> list[dict]:
    """The happy path with each step marked done, current or to do (for the order page)."""
    steps = []
    current = HAPPY_PATH.index(order.status) if order.status in HAPPY_PATH else -1
    for index, status in enumerate(HAPPY_PATH):
        state = "todo"
        if current >= 0:
            state = "done" if index < current else "current" if index == current else "todo"
        steps.append({"status": status, "label": Status(status).label, "state": state})
    return steps


def order_next_step(order: Order) -> str:
    """A code for what the customer should do or expect next (the template words it)."""
    if order.status in PAYABLE_STATUSES:
        return "pay"
    if order.status == Status.PAYMENT_PROCESSING:
        return "payment_processing"
    if order.status in {Status.PAID, Status.AWAITING_SCANS}:
        return "upload_scans"
    if order.status == Status.SCANS_RECEIVED:
        return "wait_review"
    if order.status in {Status.CLINICALLY_APPROVED, Status.SENT_TO_LAB, Status.IN_PRODUCTION}:
        return "wait_lab"
    if order.status == Status.SHIPPED:
        return "track"
    return ""


def order_can_upload_scans(order: Order) -> bool:
    return order.status in SCAN_UPLOAD_STATUSES


def order_sent_emails(order: Order) -> list[dict]:
    """The emails this order has sent its customer, oldest first, for the order page.

    One query whatever the number of emails; the subject is the one the customer received
    (rendered from the order alone, in the reader's language), beside the kind's name.
    """
    from django.template.loader import render_to_string

    from .models import OrderEmail

    emails = OrderEmail.objects.filter(order=order, status=OrderEmail.Status.SENT).order_by(
        "sent_at", "id"
    )
    return [
        {
            "kind": email.get_kind_display(),
            "subject": " ".join(
                render_to_string(
                    f"orders/emails/{email.kind}_subject.txt", {"order": order}
                ).split()
            ),
            "sent_at": email.sent_at,
        }
        for email in emails.only("kind", "sent_at")
    ]


# --- Scans (issue 7) ---------------------------------------------------------------------------------


def order_scans(order: Order) -> dict:
    """For the scans page: per side, the latest upload and the scan in use (they may differ)."""
    from .models import Scan

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
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .models import Scan

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
    """ "Length 260 mm, forefoot 102 mm, heel 64 mm, arch 15 mm; unit mm (95 %)"."""
    from django.utils.translation import gettext as _

    m = scan.measurements or {}
    if not m:
        return ""
    parts = [
        _("length %(v)s mm") % {"v": round(m.get("length_mm", 0))},
        _("forefoot %(v)s mm") % {"v": round(m.get("forefoot_width_mm", 0))},
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


# --- The clinic: orders without an assessment wait for a clinician (issue 14) -----------------------

# Paid and not yet approved: the statuses on the happy path before "clinically approved".
CLINIC_WAITING_STATUSES = (
    frozenset(HAPPY_PATH[: HAPPY_PATH.index(Status.CLINICALLY_APPROVED)]) & PAID_STATUSES
)


def clinic_orders_waiting() -> list[Order]:
    """Paid orders without an assessment whose way to the lab still needs a clinician (the one
    rule, `services.order_clinical_refusal`), newest payment first. No payment details."""
    from .services import order_clinical_refusal

    candidates = (
        Order.objects.filter(assessment__isnull=True, status__in=CLINIC_WAITING_STATUSES)
        .select_related("approved_for_lab_by", "red_flags_confirmed_by")
        .prefetch_related("lines")
        .order_by("-paid_at", "-pk")
    )
    return [order for order in candidates if order_clinical_refusal(order=order)]


def clinic_order(pk: int) -> Order | None:
    """An order without an assessment, for the clinic's approval page."""
    return (
        Order.objects.filter(pk=pk, assessment__isnull=True)
        .select_related("approved_for_lab_by", "red_flags_confirmed_by")
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.select_related("actor").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .first()
    )


def clinic_order_scans(order: Order) -> list[dict]:
    """Per side: the scan in use (or the latest upload), its status and measurements in words,
    and its sole preview for clinicians."""
    from django.urls import reverse

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
