"""The Stripe webhook: signatures, duplicates, out-of-order events, amounts, refunds, reprocessing.

Sessions are created by the real checkout code through the SDK against the fake Stripe server, and
events are built from the fake's objects and signed exactly as Stripe signs them.
"""

import json
import time

import pytest
from django.core import mail

from orders import services
from orders.models import Order, OrderEmail, OrderStatusChange
from orders.payments import checkout as stripe_checkout
from orders.payments import webhook
from orders.payments.models import Payment, StripeEvent
from orders.states import Status
from orders.tests.factories import create_order
from tests.fakes.stripe import event, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(catalogue, stripe_server):
    """An order with a real (fake-Stripe) Checkout Session, and a function to pay it."""
    order = create_order()
    stripe_checkout.start_checkout(
        order=order,
        success_url="http://testserver/s",
        cancel_url="http://testserver/c",
        test_page_url="/unused/",
    )
    order.refresh_from_db()

    def pay(**kwargs):
        return stripe_server.pay(order.stripe_checkout_session_id, **kwargs)

    return order, pay


def _paid_changes(order):
    return OrderStatusChange.objects.filter(order=order, to_status=Status.PAID).count()


def test_a_completed_checkout_pays_the_order_once_and_moves_on_to_scans(
    client, checkout, webhook_secret, django_capture_on_commit_callbacks
):
    order, pay = checkout
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("checkout.session.completed", pay()), webhook_secret)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    assert order.paid_at and order.amount_paid == order.total
    assert order.stripe_payment_intent_id.startswith("pi_test_")
    stored = StripeEvent.objects.get()
    assert stored.valid and stored.processed and stored.order == order
    assert (
        "Stripe-Signature" in stored.headers
        and json.loads(stored.raw_body)["id"] == stored.event_id
    )
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("confirmed" in s for s in subjects) and any("scan" in s for s in subjects)
    confirmation = next(m for m in mail.outbox if "confirmed" in m.subject)
    assert confirmation.to == ["ann@example.com"]
    assert confirmation.alternatives and "£" in confirmation.body  # receipt, HTML + text


def test_the_same_event_ten_times_pays_once(
    client, checkout, webhook_secret, django_capture_on_commit_callbacks
):
    order, pay = checkout
    completed = event("checkout.session.completed", pay())
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            assert post_event(client, completed, webhook_secret).status_code == 200
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    assert _paid_changes(order) == 1
    assert Payment.objects.filter(order=order).count() == 1
    assert OrderEmail.objects.filter(order=order, kind="confirmation").count() == 1
    assert len([m for m in mail.outbox if "confirmed" in m.subject]) == 1
    stored = StripeEvent.objects.get()
    assert stored.deliveries == 10


def test_completed_and_async_succeeded_for_the_same_payment_pay_once(
    client, checkout, webhook_secret
):
    order, pay = checkout
    session = pay()
    post_event(client, event("checkout.session.async_payment_succeeded", session), webhook_secret)
    post_event(client, event("checkout.session.completed", session), webhook_secret)
    order.refresh_from_db()
    assert order.is_paid and _paid_changes(order) == 1


def test_a_forged_signature_is_400_and_changes_nothing(client, checkout, webhook_secret):
    order, pay = checkout
    completed = event("checkout.session.completed", pay())
    response = post_event(client, completed, "whsec_someone_else")
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and not order.is_paid
    stored = StripeEvent.objects.get()
    assert not stored.valid and not stored.processed and stored.event_id is None
    assert "Signature" in stored.error
    # A tampered body with a once-valid signature is refused too.
    payload = json.dumps(completed)
    from tests.fakes.stripe import signature_header

    header = signature_header(payload, webhook_secret)
    tampered = payload.replace(str(order.total), str(order.total - 100))
    response = client.post(
        "/webhooks/stripe/", tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400
    assert not Order.objects.get(pk=order.pk).is_paid


def test_a_missing_signature_is_400(client, checkout, webhook_secret):
    response = client.post("/webhooks/stripe/", "{}", content_type="application/json")
    assert response.status_code == 400


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(client, checkout, webhook_secret):
    order, pay = checkout
    completed = event("checkout.session.completed", pay())
    response = post_event(client, completed, webhook_secret, timestamp=int(time.time()) - 3600)
    assert response.status_code == 400
    assert not Order.objects.get(pk=order.pk).is_paid


def test_completed_after_expired_still_pays(client, checkout, webhook_secret):
    order, pay = checkout
    session = pay()
    expired = {**session, "status": "expired", "payment_status": "unpaid"}
    post_event(client, event("checkout.session.expired", expired), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.CHECKOUT_EXPIRED
    post_event(client, event("checkout.session.completed", session), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS and order.is_paid
    assert list(order.status_changes.values_list("to_status", flat=True)) == [
        "awaiting_payment",
        "checkout_expired",
        "paid",
        "awaiting_scans",
    ]


def test_expired_after_completed_is_a_no_op(client, checkout, webhook_secret):
    order, pay = checkout
    session = pay()
    post_event(client, event("checkout.session.completed", session), webhook_secret)
    response = post_event(
        client, event("checkout.session.expired", {**session, "status": "expired"}), webhook_secret
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    assert StripeEvent.objects.get(type="checkout.session.expired").outcome.startswith("ignored")


def test_an_old_sessions_expiry_does_not_touch_the_current_attempt(
    client, checkout, webhook_secret
):
    order, _pay = checkout
    old = {
        "id": "cs_test_old",
        "object": "checkout.session",
        "client_reference_id": order.number,
        "metadata": {"order_number": order.number},
        "status": "expired",
    }
    post_event(client, event("checkout.session.expired", old), webhook_secret)
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_PAYMENT


def test_an_amount_mismatch_is_flagged_and_not_paid(client, checkout, webhook_secret):
    order, pay = checkout
    session = {**pay(), "amount_total": order.total - 1000}
    response = post_event(client, event("checkout.session.completed", session), webhook_secret)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and not order.is_paid
    assert "not marked paid" in order.payment_flag.lower()
    assert StripeEvent.objects.get().outcome.startswith("flagged")
    assert not mail.outbox


def test_a_currency_mismatch_is_flagged_and_not_paid(client, checkout, webhook_secret):
    order, pay = checkout
    post_event(
        client, event("checkout.session.completed", {**pay(), "currency": "usd"}), webhook_secret
    )
    order.refresh_from_db()
    assert not order.is_paid and order.payment_flag


def test_a_delayed_payment_waits_then_succeeds(client, checkout, webhook_secret):
    order, pay = checkout
    pending = pay(payment_status="unpaid")
    post_event(client, event("checkout.session.completed", pending), webhook_secret)
    assert Order.objects.get(pk=order.pk).status == Status.PAYMENT_PROCESSING
    post_event(
        client,
        event("checkout.session.async_payment_succeeded", {**pending, "payment_status": "paid"}),
        webhook_secret,
    )
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS


def test_a_delayed_payment_that_fails_lets_the_customer_pay_again(
    client, checkout, webhook_secret, stripe_server
):
    order, pay = checkout
    pending = pay(payment_status="unpaid")
    post_event(client, event("checkout.session.async_payment_failed", pending), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.PAYMENT_FAILED
    response = client.post(order.get_absolute_url(), {"action": "pay"})
    assert response.status_code == 302 and "/c/pay/cs_test_" in response["Location"]
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.checkout_attempt == 2
    assert stripe_server.created["checkout.session"] == 2


def test_refunds_partial_then_full_are_recorded_from_charge_refunded(
    client,
    checkout,
    webhook_secret,
    stripe_server,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    order, pay = checkout
    session = pay()
    post_event(client, event("checkout.session.completed", session), webhook_secret)
    order.refresh_from_db()
    staff = django_user_model.objects.create_user("kim", is_staff=True)

    stripe_checkout.request_refund(order=order, amount=2000, actor=staff)
    # Stripe has the refund, pending: the order counts it only once it succeeded.
    order.refresh_from_db()
    assert order.amount_refunded == 0
    assert Payment.objects.get(order=order, kind="refund").status == "pending"
    for settled in stripe_server.settle_refunds():
        post_event(client, settled, webhook_secret)
    order.refresh_from_db()
    assert order.amount_refunded == 2000 and order.status == Status.AWAITING_SCANS

    stripe_checkout.request_refund(order=order, amount=order.refundable_amount, actor=staff)
    full = [e for e in stripe_server.settle_refunds() if e["type"] == "charge.refunded"][0]
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, full, webhook_secret)
        post_event(client, full, webhook_secret)  # a duplicate changes nothing
    order.refresh_from_db()
    assert order.amount_refunded == order.amount_paid and order.status == Status.REFUNDED
    assert Payment.objects.filter(order=order, kind="refund").count() == 2
    assert (
        sum(Payment.objects.filter(order=order, kind="refund").values_list("amount", flat=True))
        == order.total
    )
    assert any("Refund" in m.subject for m in mail.outbox)


def test_an_out_of_order_refund_is_deferred_then_applied_when_the_payment_lands(
    client, checkout, webhook_secret, stripe_server
):
    order, pay = checkout
    session = pay()
    stripe_server.refund({"payment_intent": session["payment_intent"], "amount": "500"})
    charge_refunded = [e for e in stripe_server.settle_refunds() if e["type"] == "charge.refunded"][
        0
    ]
    response = post_event(client, charge_refunded, webhook_secret)
    assert response.status_code == 200  # not our fault: no retries for days
    deferred = StripeEvent.objects.get(type="charge.refunded")
    assert deferred.result == "deferred" and not deferred.processed
    assert deferred.waiting_for == session["payment_intent"]

    post_event(client, event("checkout.session.completed", session), webhook_secret)
    deferred.refresh_from_db()
    order.refresh_from_db()
    assert deferred.processed and deferred.result == "applied" and deferred.error == ""
    assert order.amount_refunded == 500


def test_an_unknown_event_type_is_stored_and_ignored(client, checkout, webhook_secret):
    response = post_event(
        client, event("customer.created", {"id": "cus_1", "object": "customer"}), webhook_secret
    )
    assert response.status_code == 200
    assert StripeEvent.objects.get().outcome.startswith("ignored")


def test_the_success_page_never_marks_anything_paid(client, checkout):
    order, pay = checkout
    pay()  # the customer paid on Stripe, but no webhook has arrived yet
    response = client.get(
        order.get_absolute_url()
        + "?checkout=success&session_id="
        + order.stripe_checkout_session_id
    )
    assert response.status_code == 200
    assert b"waiting for the payment provider" in response.content
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and not order.is_paid


def test_a_failing_email_never_blocks_the_payment(
    client, checkout, webhook_secret, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "orders.tests.broken_email.Backend"
    order, pay = checkout
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("checkout.session.completed", pay()), webhook_secret)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.is_paid
    emails = OrderEmail.objects.filter(order=order)
    assert emails.count() == 2
    assert all(e.status != "sent" and "SMTP" in e.last_error for e in emails)


def test_a_failing_email_is_retried_then_marked_failed_for_staff(catalogue, settings):
    from fitsperfect.celery import app
    from orders.tasks import RETRYABLE, send_order_email

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        settings.EMAIL_BACKEND = "orders.tests.broken_email.Backend"
        assert set(send_order_email.autoretry_for) == set(RETRYABLE)
        assert send_order_email.retry_backoff and send_order_email.max_retries == 6
        order = create_order()
        queued = OrderEmail.objects.create(order=order, kind="confirmation")
        send_order_email.apply(args=[queued.pk], throw=False)  # runs every retry in-process
        queued.refresh_from_db()
        assert queued.status == "failed" and queued.attempts == 7
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        send_order_email.apply(args=[queued.pk])  # staff press "resend": it goes
        queued.refresh_from_db()
        assert queued.status == "sent" and len(mail.outbox) == 1
    finally:
        app.conf.task_eager_propagates = previous


def test_services_refuse_to_mark_paid_twice(catalogue):
    order = create_order()
    assert services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")
    assert not services.order_mark_paid(order=order, event=None, amount=order.total, currency="gbp")


def test_a_payment_after_cancellation_is_recorded_and_flagged_for_refund(
    client, checkout, webhook_secret
):
    order, pay = checkout
    services.order_cancel(order=order, note="Customer changed their mind")
    post_event(client, event("checkout.session.completed", pay()), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert order.is_paid and order.amount_paid == order.total and order.refundable_amount
    assert "refund" in order.payment_flag


@pytest.mark.parametrize(
    "payload", ["[]", '"text"', '{"object": "event"}', '{"id": 1, "type": []}']
)
def test_signed_json_that_is_not_an_event_is_stored_invalid_not_a_500(webhook_secret, payload):
    """Behind the webhook gate too: the service itself refuses signed non-events with a 400."""
    from tests.fakes.stripe import signature_header

    result = webhook.receive_delivery(
        body=payload.encode(),
        headers={"Stripe-Signature": signature_header(payload, webhook_secret)},
    )
    assert result.status_code == 400
    stored = StripeEvent.objects.get()
    assert stored.valid is False and stored.processed is False


def test_a_nul_byte_in_an_invalid_delivery_is_stored_without_error(webhook_secret):
    payload = '{"id": "evt_\x00", "type": "x"}'
    result = webhook.receive_delivery(
        body=payload.encode(), headers={"Stripe-Signature": "t=1,v1=0"}
    )
    assert result.status_code == 400
    assert "\x00" not in StripeEvent.objects.get().raw_body
