"""Property: whatever order Stripe's events arrive in, and however often, money is counted once.

Hypothesis draws sequences of deliveries (completed, async succeeded/failed, expired, duplicates)
for one checkout and checks the outcome against what actually happened on Stripe's side.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import services as order_services
from orders.models import OrderStatusChange
from orders.payments import testmode, webhook
from orders.payments.models import Payment
from orders.states import UNPAID_STATUSES, Status
from orders.tests.conftest import WEBHOOK_SECRET
from orders.tests.factories import create_order
from tests.fakes.stripe import event, signature_header

pytestmark = pytest.mark.django_db

KINDS = [
    "completed_paid",
    "completed_unpaid",
    "async_succeeded",
    "async_failed",
    "expired",
]


def _deliver(body: bytes) -> int:
    header = signature_header(body.decode(), WEBHOOK_SECRET)
    return webhook.receive_delivery(body=body, headers={"Stripe-Signature": header}).status_code


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(min_value=1, max_value=3)),
        min_size=1,
        max_size=6,
    )
)
def test_any_ordering_of_events_pays_at_most_once(catalogue, webhook_secret, plan):
    order = create_order()
    session = testmode.test_session_object(order)
    order_services.order_set_checkout_session(order=order, session_id=session["id"])
    shapes = {
        "completed_paid": ("checkout.session.completed", {"payment_status": "paid"}),
        "completed_unpaid": ("checkout.session.completed", {"payment_status": "unpaid"}),
        "async_succeeded": ("checkout.session.async_payment_succeeded", {"payment_status": "paid"}),
        "async_failed": ("checkout.session.async_payment_failed", {"payment_status": "unpaid"}),
        "expired": ("checkout.session.expired", {"payment_status": "unpaid", "status": "expired"}),
    }
    bodies = {
        kind: json.dumps(event(t, {**session, **extra})).encode()
        for kind, (t, extra) in shapes.items()
    }
    for kind, times in plan:
        for _ in range(times):
            assert _deliver(bodies[kind]) == 200
    order.refresh_from_db()
    kinds = {kind for kind, _times in plan}
    money_arrived = bool(kinds & {"completed_paid", "async_succeeded"})
    assert order.is_paid == money_arrived
    assert Payment.objects.filter(order=order).count() == int(money_arrived)
    assert OrderStatusChange.objects.filter(order=order, to_status=Status.PAID).count() == int(
        money_arrived
    )
    if money_arrived:
        assert order.status == Status.AWAITING_SCANS
    else:
        assert order.status in UNPAID_STATUSES
