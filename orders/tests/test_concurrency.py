"""Real concurrency and a real worker: parallel duplicate deliveries pay once; emails go via Celery."""

import json
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections

from orders.models import Order, OrderEmail, OrderStatusChange
from orders.payments import testmode, webhook
from orders.payments.models import Payment
from orders.states import Status
from tests.fakes.stripe import event, signature_header

from .conftest import WEBHOOK_SECRET
from .factories import create_order, seed_catalogue


def _completed_body(order) -> bytes:
    session = testmode.test_session_object(order)
    return json.dumps(event("checkout.session.completed", session)).encode()


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_deliveries_of_one_event_pay_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks only matter on PostgreSQL (CI runs this there).")
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    seed_catalogue()
    order = create_order()
    body = _completed_body(order)
    headers = {"Stripe-Signature": signature_header(body.decode(), WEBHOOK_SECRET)}
    barrier = threading.Barrier(10)
    codes = []

    def deliver():
        try:
            barrier.wait()
            codes.append(webhook.receive_delivery(body=body, headers=headers).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [200] * 10
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    assert Payment.objects.filter(order=order).count() == 1
    assert OrderStatusChange.objects.filter(order=order, to_status=Status.PAID).count() == 1


@pytest.mark.worker
def test_a_real_worker_sends_the_confirmation_after_commit(celery_worker, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    seed_catalogue()
    order = create_order()
    body = _completed_body(order)
    result = webhook.receive_delivery(
        body=body, headers={"Stripe-Signature": signature_header(body.decode(), WEBHOOK_SECRET)}
    )
    assert result.status_code == 200
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and OrderEmail.objects.filter(order=order, status="sent").count() < 2
    ):
        time.sleep(0.05)
    assert OrderEmail.objects.filter(order=order, status="sent").count() == 2
    assert any(order.number in m.subject for m in mail.outbox)
    assert Order.objects.get(pk=order.pk).is_paid
