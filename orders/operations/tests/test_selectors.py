"""The figures are right, and each costs the same few queries for 100 orders as for 10,000."""

import statistics
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment
from orders.models import Order, OrderStatusChange
from orders.operations import selectors
from orders.operations.stats import EpochSeconds, summaries
from orders.payments.models import Dispute, Payment
from orders.states import Status

from .factories import build_article_views, build_assessments, build_orders

pytestmark = pytest.mark.django_db

QUERIES = 11  # orders by state 1, funnel 3, time in state 1, lab 2, clinic queues 2, money 2


def percentile(values, fraction):
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = int(position)
    if low + 1 >= len(values):
        return values[low]
    return values[low] + (position - low) * (values[low + 1] - values[low])


def overview_queries(now):
    with CaptureQueriesContext(connection) as captured:
        overview = selectors.operations_overview(now=now)
    return overview, len(captured.captured_queries)


def test_the_query_count_is_the_same_for_100_and_10000_orders():
    now = timezone.now()
    build_orders(100, now=now, seed=1)
    build_assessments(50, now=now)
    build_article_views(now=now)
    small, small_queries = overview_queries(now)
    build_orders(9_900, now=now, seed=2)
    build_assessments(2_000, now=now, seed=2)
    large, large_queries = overview_queries(now)
    assert Order.objects.count() == 10_000
    assert small_queries == large_queries == QUERIES
    assert sum(f.count for f in large.orders_by_state) == 10_000
    assert large.lab.shipped.count > small.lab.shipped.count > 0


def test_no_figure_takes_more_than_its_queries(django_assert_max_num_queries):
    now = timezone.now()
    build_orders(300, now=now)
    with django_assert_max_num_queries(1):
        selectors.orders_by_state()
    with django_assert_max_num_queries(3):
        selectors.funnel(now=now)
    with django_assert_max_num_queries(1):
        selectors.time_in_state(now=now)
    with django_assert_max_num_queries(2):
        selectors.lab_turnaround(now=now)
    with django_assert_max_num_queries(2):
        selectors.clinician_queue(now=now)
    with django_assert_max_num_queries(2):
        selectors.refunds_and_disputes(now=now)


def test_orders_by_state_lists_every_status_with_its_count():
    build_orders(500)
    counts = {f.key: f.count for f in selectors.orders_by_state()}
    assert list(counts) == list(Status.values)
    for status in Status.values:
        assert counts[status] == Order.objects.filter(status=status).count()


def test_the_funnel_counts_each_step_in_the_window():
    now = timezone.now()
    build_orders(800, now=now)
    build_assessments(300, now=now)
    views = build_article_views(now=now)
    since = now - timedelta(days=30)
    steps = {f.key: f.count for f in selectors.funnel(now=now)}
    moved = OrderStatusChange.objects.filter(created_at__gte=since, created_at__lte=now)
    assert steps == {
        "article_views": views,
        "assessments_started": Assessment.objects.filter(created_at__gte=since).count(),
        "assessments_submitted": Assessment.objects.filter(submitted_at__gte=since).count(),
        "orders_paid": moved.filter(to_status=Status.PAID).count(),
        "sent_to_lab": moved.filter(to_status=Status.SENT_TO_LAB).count(),
        "shipped": moved.filter(to_status=Status.SHIPPED).count(),
    }
    assert steps["orders_paid"] > steps["sent_to_lab"] > steps["shipped"] > 0


def test_time_in_each_state_matches_the_history_by_hand():
    now = timezone.now()
    build_orders(600, now=now)
    since = now - timedelta(days=30)
    stays: dict[str, list[float]] = {}
    history = OrderStatusChange.objects.order_by("order_id", "created_at", "id")
    previous = None
    for change in history:
        same_order = previous is not None and previous.order_id == change.order_id
        if same_order and since <= change.created_at <= now:
            seconds = (change.created_at - previous.created_at).total_seconds()
            stays.setdefault(previous.to_status, []).append(seconds)
        previous = change
    found = {row.status: row.summary for row in selectors.time_in_state(now=now)}
    assert set(found) == set(stays)
    for status, values in stays.items():
        assert found[status].count == len(values)
        assert found[status].percentile(0.5) == pytest.approx(statistics.median(values), abs=0.01)
        assert found[status].percentile(0.9) == pytest.approx(percentile(values, 0.9), abs=0.01)


def test_lab_turnaround_is_sent_to_shipped_for_orders_shipped_in_the_window():
    now = timezone.now()
    build_orders(700, now=now)
    since = now - timedelta(days=30)
    firsts: dict[int, dict[str, object]] = {}
    for change in OrderStatusChange.objects.filter(
        to_status__in=[Status.SENT_TO_LAB, Status.SHIPPED]
    ):
        firsts.setdefault(change.order_id, {}).setdefault(change.to_status, change.created_at)
    turnarounds = [
        (times[Status.SHIPPED] - times[Status.SENT_TO_LAB]).total_seconds()
        for times in firsts.values()
        if Status.SHIPPED in times and since <= times[Status.SHIPPED] <= now
    ]
    lab = selectors.lab_turnaround(now=now)
    assert lab.shipped.count == len(turnarounds) > 0
    assert lab.shipped.percentile(0.5) == pytest.approx(statistics.median(turnarounds), abs=0.01)
    assert lab.shipped.percentile(0.9) == pytest.approx(percentile(turnarounds, 0.9), abs=0.01)
    at_lab = Order.objects.filter(status__in=[Status.SENT_TO_LAB, Status.IN_PRODUCTION])
    assert lab.at_lab == at_lab.count() > 0
    assert lab.oldest_at_lab > 0


def test_the_clinician_queues_count_and_age_what_waits():
    now = timezone.now()
    build_orders(400, now=now)
    build_assessments(200, now=now)
    assessments, orders = selectors.clinician_queue(now=now)
    waiting = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    ages = [(now - a.submitted_at).total_seconds() for a in waiting]
    assert assessments.count == len(ages)
    assert assessments.oldest == pytest.approx(max(ages), abs=0.01)
    assert assessments.median == pytest.approx(statistics.median(ages), abs=0.01)
    unapproved = Order.objects.filter(
        status__in=[Status.PAID, Status.AWAITING_SCANS, Status.SCANS_RECEIVED],
        approved_for_lab_at__isnull=True,
    )
    assert orders.count == unapproved.count() > 0
    ages = [(now - o.paid_at).total_seconds() for o in unapproved]
    assert orders.oldest == pytest.approx(max(ages), abs=0.01)


def test_empty_queues_say_nothing_waits():
    queues = selectors.clinician_queue()
    assert [(q.count, q.oldest, q.median) for q in queues] == [(0, None, None), (0, None, None)]


def test_refunds_and_disputes_in_the_window_with_their_amounts():
    now = timezone.now()
    build_orders(1_000, now=now)
    since = now - timedelta(days=30)
    rows = selectors.refunds_and_disputes(now=now)
    refunds = Payment.objects.filter(kind="refund", created_at__gte=since)
    disputes = Dispute.objects.filter(created_at__gte=since)
    assert sum(r.count for r in rows if r.kind == "refund") == refunds.count() > 0
    assert sum(r.amount for r in rows if r.kind == "refund") == sum(p.amount for p in refunds)
    assert sum(r.count for r in rows if r.kind == "dispute") == disputes.count()
    assert {r.currency for r in rows} == {"gbp"}


@pytest.mark.parametrize(
    "seconds",
    [
        [60],
        [60, 120],
        [5, 1, 3],
        [10, 40, 20, 30],
        [7, 7, 7, 100, 1, 2, 3],
        list(range(0, 1100, 100)),
    ],
)
def test_percentiles_interpolate_like_percentile_cont(seconds):
    """The SQLite path and PostgreSQL's percentile_cont give the same numbers (with min, max)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    build_orders(len(seconds), now=start + timedelta(days=90))
    for order, second in zip(Order.objects.order_by("pk"), seconds, strict=True):
        Order.objects.filter(pk=order.pk).update(paid_at=start + timedelta(seconds=second))
    epoch = start.timestamp()
    rows = Order.objects.values(k=Value("all"), v=EpochSeconds("paid_at") - epoch)
    found = summaries(rows, fractions=(0.25, 0.5, 0.9))["all"]
    assert found.count == len(seconds)
    assert found.minimum == pytest.approx(min(seconds), abs=0.01)
    assert found.maximum == pytest.approx(max(seconds), abs=0.01)
    for fraction in (0.25, 0.5, 0.9):
        assert found.percentile(fraction) == pytest.approx(percentile(seconds, fraction), abs=0.01)
