"""Refunds as Stripe really reports them: Refund objects with a status, never embedded in charges."""

import pytest
from django.core import mail

from orders.payments import checkout as stripe_checkout
from orders.payments.models import Payment, PaymentFlag, StripeEvent
from orders.states import Status
from tests.fakes.stripe import event, post_event

pytestmark = pytest.mark.django_db


def _deliver(client, events, secret):
    return [post_event(client, item, secret).status_code for item in events]


def test_a_real_shaped_charge_refunded_without_embedded_refunds_lists_them_through_the_api(
    client, paid_order, stripe_server, webhook_secret
):
    order, session = paid_order
    stripe_server.refund({"payment_intent": session["payment_intent"], "amount": "700"})
    stripe_server.refund({"payment_intent": session["payment_intent"], "amount": "300"})
    charge_refunded = [e for e in stripe_server.settle_refunds() if e["type"] == "charge.refunded"]
    assert "refunds" not in charge_refunded[-1]["data"]["object"]  # as since API 2022-11-15

    assert post_event(client, charge_refunded[-1], webhook_secret).status_code == 200
    rows = Payment.objects.filter(order=order, kind="refund")
    assert sorted(rows.values_list("amount", flat=True)) == [300, 700]
    assert set(rows.values_list("stripe_object_id", flat=True)) == set(stripe_server.refunds)
    assert {row.status for row in rows} == {"succeeded"}
    assert any(r[0] == "GET" and r[1] == "/v1/refunds" for r in stripe_server.requests)
    order.refresh_from_db()
    assert order.amount_refunded == 1000


def test_refund_events_move_a_refund_from_pending_to_succeeded_and_only_then_it_counts(
    client, paid_order, stripe_server, webhook_secret
):
    order, session = paid_order
    refund = stripe_server.refund({"payment_intent": session["payment_intent"], "amount": "500"})
    post_event(client, event("refund.created", refund), webhook_secret)
    row = Payment.objects.get(stripe_object_id=refund["id"])
    order.refresh_from_db()
    assert row.status == "pending" and order.amount_refunded == 0

    updated = [e for e in stripe_server.settle_refunds() if e["type"] == "refund.updated"][0]
    post_event(client, updated, webhook_secret)
    row.refresh_from_db()
    order.refresh_from_db()
    assert row.status == "succeeded" and order.amount_refunded == 500
    # charge.refund.updated carries the same Refund object: applied idempotently.
    post_event(client, event("charge.refund.updated", updated["data"]["object"]), webhook_secret)
    order.refresh_from_db()
    assert order.amount_refunded == 500
    assert Payment.objects.filter(order=order, kind="refund").count() == 1


def test_a_failed_refund_is_recorded_flags_the_order_and_tells_staff(
    client, paid_order, stripe_server, webhook_secret, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_ALERT_EMAILS = ["money@example.com"]
    order, _session = paid_order
    stripe_checkout.request_refund(order=order, amount=1000)
    stripe_server.refund_outcome = "failed"
    with django_capture_on_commit_callbacks(execute=True):
        codes = _deliver(client, stripe_server.settle_refunds(), webhook_secret)
    assert codes == [200]
    row = Payment.objects.get(order=order, kind="refund")
    order.refresh_from_db()
    assert row.status == "failed" and row.failure_reason == "expired_or_canceled_card"
    assert order.amount_refunded == 0 and "failed" in order.payment_flag
    assert PaymentFlag.objects.get(order=order).kind == "refund_failed"
    assert any(m.to == ["money@example.com"] and order.number in m.subject for m in mail.outbox)

    # A later refund that succeeds resolves it.
    stripe_server.refund_outcome = "succeeded"
    stripe_checkout.request_refund(order=order, amount=1000)
    _deliver(client, stripe_server.settle_refunds(), webhook_secret)
    order.refresh_from_db()
    assert order.payment_flag == "" and order.amount_refunded == 1000


def test_two_equal_partial_refunds_before_any_webhook_are_two_refunds(
    client, paid_order, stripe_server, webhook_secret
):
    order, _session = paid_order
    stripe_checkout.request_refund(order=order, amount=500)
    order.refresh_from_db()  # no webhook yet: amount_refunded is still 0
    stripe_checkout.request_refund(order=order, amount=500)
    keys = [r[3] for r in stripe_server.requests if r[1] == "/v1/refunds" and r[0] == "POST"]
    assert len(keys) == 2 and len(set(keys)) == 2
    assert stripe_server.created["refund"] == 2
    _deliver(client, stripe_server.settle_refunds(), webhook_secret)
    order.refresh_from_db()
    assert order.amount_refunded == 1000
    assert Payment.objects.filter(order=order, kind="refund", status="succeeded").count() == 2


def test_refunds_cannot_exceed_what_was_paid_while_others_are_pending(paid_order):
    order, _session = paid_order
    stripe_checkout.request_refund(order=order, amount=order.total - 100)
    with pytest.raises(ValueError):
        stripe_checkout.request_refund(order=order, amount=200)


def test_a_refund_refused_by_stripe_is_canceled_not_pending(paid_order, stripe_server):
    order, session = paid_order
    stripe_server.charges.pop(session["payment_intent"])  # Stripe no longer knows the charge
    with pytest.raises(stripe_checkout.PaymentsUnavailable):
        stripe_checkout.request_refund(order=order, amount=100)
    assert Payment.objects.get(order=order, kind="refund").status == "canceled"


def test_a_refund_of_the_full_amount_refunds_the_order(
    client, paid_order, stripe_server, webhook_secret, django_capture_on_commit_callbacks
):
    order, _session = paid_order
    stripe_checkout.request_refund(order=order, amount=order.total)
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(client, stripe_server.settle_refunds(), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    assert StripeEvent.objects.filter(type="refund.updated", result="applied").exists()


def test_test_mode_refunds_arrive_as_refund_events_pending_then_succeeded(catalogue, settings):
    """Without keys the refund goes through the webhook's own code as Stripe's events would."""
    from orders.payments import testmode
    from orders.tests.factories import create_order

    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    order = create_order()
    testmode.deliver_test_event("checkout.session.completed", testmode.test_session_object(order))
    order.refresh_from_db()
    assert order.is_paid
    refund_id = stripe_checkout.request_refund(order=order, amount=1000)
    row = Payment.objects.get(stripe_object_id=refund_id)
    order.refresh_from_db()
    assert row.status == "succeeded" and order.amount_refunded == 1000
    assert sorted(
        StripeEvent.objects.filter(type__startswith="refund.").values_list("type", flat=True)
    ) == ["refund.created", "refund.updated"]
