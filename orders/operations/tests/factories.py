"""Many orders at once, shaped like the real ones: created with `bulk_create` (thousands in a few
queries), each with the status history its status implies, some refunded or disputed, with
assessments and article view counters beside them. Times are set (not "now"): `created_at` is
stamped by us while the factory runs."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

from assessments.models import Assessment
from content.models import ArticleDailyView
from content.tests.factories import ArticleFactory
from orders.models import Order, OrderStatusChange
from orders.payments.models import Dispute, Payment
from orders.states import HAPPY_PATH, Status

# How far along the happy path orders get (weights), and how many end cancelled or refunded.
_REACHED = [(Status.AWAITING_PAYMENT, 10), (Status.PAID, 3), (Status.AWAITING_SCANS, 8)]
_REACHED += [(Status.SCANS_RECEIVED, 5), (Status.CLINICALLY_APPROVED, 3)]
_REACHED += [(Status.SENT_TO_LAB, 6), (Status.IN_PRODUCTION, 6), (Status.SHIPPED, 10)]
_REACHED += [(Status.DELIVERED, 40), (Status.CANCELLED, 5), (Status.REFUNDED, 4)]


@contextmanager
def stamped(*models):
    """`created_at` as given (not now) for bulk-created rows of these models."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _path(final: str) -> list[str]:
    if final == Status.CANCELLED:
        return [Status.AWAITING_PAYMENT, Status.CANCELLED]
    if final == Status.REFUNDED:
        return [*HAPPY_PATH[:4], Status.REFUNDED]
    return HAPPY_PATH[: HAPPY_PATH.index(final) + 1]


def build_orders(count: int, *, now: datetime | None = None, seed: int = 19) -> list[Order]:
    """`count` orders over the last 60 days with their status history, refunds and disputes."""
    now = now or timezone.now()
    rng = random.Random(seed)
    finals = rng.choices([s for s, _w in _REACHED], weights=[w for _s, w in _REACHED], k=count)
    orders, histories = [], []
    for index, final in enumerate(finals):
        started = now - timedelta(days=rng.uniform(0, 60))
        moments, at = [], started
        for step in _path(final):
            moments.append((step, at))
            at += timedelta(hours=rng.uniform(0.5, 24 * (8 if step == Status.SENT_TO_LAB else 2)))
        moments = [(step, min(at, now)) for step, at in moments]
        when = dict(moments)
        paid_at = when.get(Status.PAID)
        orders.append(
            Order(
                number=f"FP-T{seed:02d}{index:06d}",
                access_token=f"ops-{seed}-{index}",
                email=f"customer{index}@example.com",
                full_name="Ann Example",
                address_line1="1 High Street",
                city="Leeds",
                postcode="LS1 1AA",
                country="GB",
                status=final,
                currency="gbp",
                subtotal=25800,
                total=25800,
                amount_paid=25800 if paid_at else 0,
                paid_at=paid_at,
                approved_for_lab_at=when.get(Status.CLINICALLY_APPROVED),
                shipped_at=when.get(Status.SHIPPED),
                delivered_at=when.get(Status.DELIVERED),
                created_at=started,
            )
        )
        histories.append(moments)
    with stamped(Order, OrderStatusChange, Payment, Dispute):
        Order.objects.bulk_create(orders, batch_size=1000)
        changes, refunds, disputes = [], [], []
        for order, moments in zip(orders, histories, strict=True):
            previous = ""
            for step, at in moments:
                changes.append(
                    OrderStatusChange(
                        order=order, from_status=previous, to_status=step, created_at=at
                    )
                )
                previous = step
            if order.status == Status.REFUNDED:
                refunds.append(_refund(order, moments[-1][1], "succeeded"))
            elif order.paid_at and rng.random() < 0.01:
                disputes.append(_dispute(order, rng.choice(["needs_response", "won", "lost"])))
        OrderStatusChange.objects.bulk_create(changes, batch_size=2000)
        Payment.objects.bulk_create(refunds, batch_size=1000)
        Dispute.objects.bulk_create(disputes, batch_size=1000)
    return orders


def _refund(order: Order, at: datetime, status: str) -> Payment:
    return Payment(
        order=order,
        kind=Payment.Kind.REFUND,
        stripe_object_id=f"re_test_{order.number}",
        amount=order.total,
        currency=order.currency,
        status=status,
        created_at=at,
    )


def _dispute(order: Order, status: str) -> Dispute:
    return Dispute(
        order=order,
        stripe_dispute_id=f"dp_test_{order.number}",
        amount=order.total,
        currency=order.currency,
        reason="product_not_received",
        status=status,
        created_at=order.paid_at,
    )


def build_assessments(count: int, *, now: datetime | None = None, seed: int = 19) -> None:
    """Drafts, submitted (waiting for review) and reviewed assessments over the last 40 days."""
    now = now or timezone.now()
    rng = random.Random(seed)
    rows = []
    for _index in range(count):
        created = now - timedelta(days=rng.uniform(0, 40))
        status = rng.choice(
            [Assessment.Status.DRAFT, Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED]
        )
        submitted = None if status == Assessment.Status.DRAFT else created + timedelta(hours=1)
        rows.append(Assessment(status=status, created_at=created, submitted_at=submitted))
    with stamped(Assessment):
        Assessment.objects.bulk_create(rows, batch_size=1000)


def build_article_views(days: int = 40, *, now: datetime | None = None) -> int:
    """Two articles' daily counters for `days` days; returns the views of the last 30 days."""
    today = (now or timezone.now()).date()
    articles = [ArticleFactory(), ArticleFactory()]
    rows = [
        ArticleDailyView(article=article, day=today - timedelta(days=back), count=100 + back)
        for article in articles
        for back in range(days)
    ]
    ArticleDailyView.objects.bulk_create(rows)
    return sum(row.count for row in rows if row.day > today - timedelta(days=30))
