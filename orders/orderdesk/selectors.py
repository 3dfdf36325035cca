"""What the order desk's list filters find: the work staff do, one key per filter.

Here, not in `orders.selectors`, because "scans to review" is the scans app's rule
(`orders.scans.selectors.orders_with_scans_to_review`) and the order app must not import its
domains; the order desk sits above them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from orders.models import Order
from orders.scans.selectors import orders_with_scans_to_review
from orders.states import (
    AT_LAB_STATUSES,
    SCAN_UPLOAD_STATUSES,
    WAITING_FOR_SCANS_STATUSES,
    Status,
)

# Paid and still no scans this long after payment: overdue (the admin's "overdue" filter).
SCANS_OVERDUE_AFTER = timedelta(days=7)
# The admin's work filters: (key, title); `orders_for_work` filters by key.
WORK_FILTERS = [
    ("approve", gettext_lazy("To approve (clinician)")),
    ("scans_review", gettext_lazy("Scans to review")),
    ("ready_for_lab", gettext_lazy("Ready for the lab")),
    ("at_lab", gettext_lazy("At the lab")),
    ("overdue", gettext_lazy("Overdue")),
    ("flagged", gettext_lazy("Flagged")),
]


def orders_for_work(
    queryset: QuerySet[Order], key: str, *, now: datetime | None = None
) -> QuerySet[Order]:
    """The orders of ``queryset`` that one of the desk's filters (``key``) asks staff to act on."""
    now = now or timezone.now()
    if key == "approve":
        return queryset.filter(status__in=[*SCAN_UPLOAD_STATUSES], approved_for_lab_at__isnull=True)
    if key == "scans_review":
        return queryset.filter(
            status__in=[*SCAN_UPLOAD_STATUSES], pk__in=orders_with_scans_to_review().values("pk")
        )
    if key == "ready_for_lab":
        return queryset.filter(status=Status.CLINICALLY_APPROVED)
    if key == "at_lab":
        return queryset.filter(status__in=[*AT_LAB_STATUSES])
    if key == "overdue":
        return queryset.filter(
            Q(status__in=[*WAITING_FOR_SCANS_STATUSES], paid_at__lte=now - SCANS_OVERDUE_AFTER)
            | Q(status__in=[*AT_LAB_STATUSES], dispatch_due_at__lt=now)
        )
    if key == "flagged":
        return queryset.exclude(payment_flag="", lab_error="")
    return queryset
