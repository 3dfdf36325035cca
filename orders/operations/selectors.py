"""The figures of the operations page: each one a selector with a fixed number of queries, whatever
the number of orders (counted and summed in SQL; medians and percentiles by `stats.summaries`).

Windows are the last `days` days (30) up to `now`; every time is UTC. The funnel counts events in
the window (not a cohort followed through): article views from the daily counters
(`content.ArticleDailyView`, no personal data), assessments saved (a draft row exists from the
photos step: the questions before it live in the session only) and submitted, and orders moved to
paid, sent to the lab and shipped (from the orders' status history, each order once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Min, Q, Sum, Value, Window
from django.db.models.functions import Lead
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from content.models import ArticleDailyView
from orders.clinic.selectors import CLINIC_WAITING_STATUSES
from orders.models import Order, OrderStatusChange
from orders.payments.models import Dispute, Payment
from orders.states import AT_LAB_STATUSES, Status

from .stats import EpochSeconds, Summary, summaries

WINDOW_DAYS = 30
MEDIAN, P90 = 0.5, 0.9
# Orders at the lab: sent and not yet shipped.


def _since(now: datetime | None, days: int) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now, now - timedelta(days=days)


@dataclass(frozen=True)
class Figure:
    """One labelled count."""

    key: str
    label: str
    count: int


def orders_by_state() -> list[Figure]:
    """How many orders are in each status now, every status listed (zeros too). One query."""
    counts = dict(Order.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return [Figure(status.value, status.label, counts.get(status.value, 0)) for status in Status]


def funnel(*, days: int = WINDOW_DAYS, now: datetime | None = None) -> list[Figure]:
    """Article view -> assessment started -> submitted -> order paid -> sent to the lab ->
    shipped, each counted in the window. Three queries."""
    now, since = _since(now, days)
    views = ArticleDailyView.objects.filter(day__gt=since.date(), day__lte=now.date()).aggregate(
        n=Sum("count")
    )["n"]
    assessments = Assessment.objects.order_by().aggregate(
        started=Count("pk", filter=Q(created_at__gte=since, created_at__lte=now)),
        submitted=Count("pk", filter=Q(submitted_at__gte=since, submitted_at__lte=now)),
    )
    moves = (
        OrderStatusChange.objects.order_by()
        .filter(created_at__gte=since, created_at__lte=now)
        .aggregate(
            **{
                step: Count("order", distinct=True, filter=Q(to_status=step))
                for step in (Status.PAID, Status.SENT_TO_LAB, Status.SHIPPED)
            }
        )
    )
    return [
        Figure("article_views", _("Article views"), views or 0),
        Figure("assessments_started", _("Assessments started"), assessments["started"]),
        Figure("assessments_submitted", _("Assessments submitted"), assessments["submitted"]),
        Figure("orders_paid", _("Orders paid"), moves[Status.PAID]),
        Figure("sent_to_lab", _("Sent to the lab"), moves[Status.SENT_TO_LAB]),
        Figure("shipped", _("Shipped"), moves[Status.SHIPPED]),
    ]


@dataclass(frozen=True)
class StateTime:
    status: str
    label: str
    summary: Summary


def time_in_state(*, days: int = WINDOW_DAYS, now: datetime | None = None) -> list[StateTime]:
    """Per status, how long orders stayed in it: from the status change that entered it to the
    order's next one, for stays that ended in the window (median, 90th percentile). One query."""
    now, since = _since(now, days)
    stays = (
        OrderStatusChange.objects.order_by()
        .annotate(
            left_at=Window(
                Lead("created_at"),
                partition_by=[F("order_id")],
                order_by=[F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(left_at__gte=since, left_at__lte=now)
        .values(k=F("to_status"), v=EpochSeconds(F("left_at")) - EpochSeconds(F("created_at")))
    )
    found = summaries(stays, fractions=(MEDIAN, P90))
    return [
        StateTime(status.value, status.label, found[status.value])
        for status in Status
        if status.value in found
    ]


@dataclass(frozen=True)
class LabTurnaround:
    shipped: Summary  # seconds from sent to the lab to shipped, orders shipped in the window
    at_lab: int  # orders at the lab now
    oldest_at_lab: float | None  # seconds since the oldest of them was sent


def lab_turnaround(*, days: int = WINDOW_DAYS, now: datetime | None = None) -> LabTurnaround:
    """The lab's turnaround, sent to the lab -> shipped (each order's first of each, as its status
    history and the lab's events recorded them), for orders shipped in the window; and the orders
    at the lab now with the age of the oldest. Two queries."""
    now, since = _since(now, days)
    per_order = (
        OrderStatusChange.objects.order_by()
        .filter(to_status__in=(Status.SENT_TO_LAB, Status.SHIPPED))
        .values("order")
        .annotate(
            sent=Min("created_at", filter=Q(to_status=Status.SENT_TO_LAB)),
            shipped=Min("created_at", filter=Q(to_status=Status.SHIPPED)),
        )
        .filter(shipped__gte=since, shipped__lte=now, sent__isnull=False)
        .values(k=Value("lab"), v=EpochSeconds(F("shipped")) - EpochSeconds(F("sent")))
    )
    shipped = summaries(per_order, fractions=(MEDIAN, P90)).get("lab", Summary())
    at_lab = (
        OrderStatusChange.objects.order_by()
        .filter(to_status=Status.SENT_TO_LAB, order__status__in=AT_LAB_STATUSES)
        .aggregate(n=Count("order", distinct=True), oldest=Min("created_at"))
    )
    oldest = at_lab["oldest"]
    return LabTurnaround(
        shipped=shipped,
        at_lab=at_lab["n"],
        oldest_at_lab=(now - oldest).total_seconds() if oldest else None,
    )


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    short_label: str
    count: int
    oldest: float | None  # seconds waited by the one waiting longest
    median: float | None  # median seconds waited


def _queue(key: str, labels: tuple, summary: Summary | None, now: datetime) -> Queue:
    if summary is None:
        return Queue(key, *labels, 0, None, None)
    stamp = now.timestamp()
    oldest, median = stamp - summary.minimum, stamp - summary.percentile(MEDIAN)
    return Queue(key, *labels, summary.count, oldest, median)


def clinician_queue(*, now: datetime | None = None) -> list[Queue]:
    """What waits for a clinician: submitted assessments not yet reviewed (since submission) and
    paid orders not yet approved for the lab (since payment): count, oldest, median age. Two
    queries."""
    now = now or timezone.now()
    assessments = summaries(
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED).values(
            k=Value("assessments"), v=EpochSeconds(F("submitted_at"))
        ),
        fractions=(MEDIAN,),
    )
    orders = summaries(
        Order.objects.filter(
            status__in=CLINIC_WAITING_STATUSES, approved_for_lab_at__isnull=True
        ).values(k=Value("orders"), v=EpochSeconds(F("paid_at"))),
        fractions=(MEDIAN,),
    )
    return [
        _queue(
            "assessments",
            (_("Assessments waiting for review"), _("Assessments to review")),
            assessments.get("assessments"),
            now,
        ),
        _queue(
            "orders",
            (_("Paid orders waiting for clinical approval"), _("Orders to approve")),
            orders.get("orders"),
            now,
        ),
    ]


@dataclass(frozen=True)
class MoneyRow:
    kind: str  # "refund" or "dispute"
    status: str
    label: str
    currency: str
    count: int
    amount: int  # minor units


def refunds_and_disputes(*, days: int = WINDOW_DAYS, now: datetime | None = None) -> list[MoneyRow]:
    """Refunds and disputes created in the window, per status and currency: count and amount in
    minor units. Two queries."""
    now, since = _since(now, days)
    refund_labels = dict(Payment.Status.choices)
    refunds = (
        Payment.objects.order_by()
        .filter(kind=Payment.Kind.REFUND, created_at__gte=since, created_at__lte=now)
        .values_list("status", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("status", "currency")
    )
    disputes = (
        Dispute.objects.order_by()
        .filter(created_at__gte=since, created_at__lte=now)
        .values_list("status", "currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("status", "currency")
    )
    rows = [
        MoneyRow("refund", status, refund_labels.get(status, status), currency, n, amount)
        for status, currency, n, amount in refunds
    ]
    rows += [
        MoneyRow("dispute", status, status.replace("_", " "), currency, n, amount)
        for status, currency, n, amount in disputes
    ]
    return rows


@dataclass(frozen=True)
class Overview:
    now: datetime
    days: int
    orders_by_state: list[Figure]
    funnel: list[Figure]
    time_in_state: list[StateTime]
    lab: LabTurnaround
    queue: list[Queue]
    money: list[MoneyRow]


def operations_overview(*, days: int = WINDOW_DAYS, now: datetime | None = None) -> Overview:
    """Every figure of the page, computed at one `now`: 11 queries, the same for a hundred orders
    or ten thousand (`benchmarks/bench_operations.py` prints the count and the time)."""
    now = now or timezone.now()
    return Overview(
        now=now,
        days=days,
        orders_by_state=orders_by_state(),
        funnel=funnel(days=days, now=now),
        time_in_state=time_in_state(days=days, now=now),
        lab=lab_turnaround(days=days, now=now),
        queue=clinician_queue(now=now),
        money=refunds_and_disputes(days=days, now=now),
    )
