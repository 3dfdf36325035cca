"""The lab's webhook: signed, deduplicated by event id, forward-only, and it moves the order."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from orders.lab.models import LabEvent, LabSubmission
from orders.lab.webhooks import WEBHOOK_SIGNATURE_HEADER, sign_lab_webhook
from orders.models import Order, OrderStatusChange
from orders.states import Status
from orders.tests.factories import make_ready_for_lab, paid_order

SECRET = "lab-webhook-secret-for-tests"
URL = "/webhooks/lab/"


@pytest.fixture
def secret(settings):
    settings.LAB_WEBHOOK_SECRET = SECRET
    return SECRET


@pytest.fixture
def sent(db, django_capture_on_commit_callbacks):
    """An order the lab has (default drop-folder transport, in-process task)."""
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB
    return order


def event_body(submission, event_type, *, event_id=None, **data) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "created_at": "2026-11-25T14:00:00Z",
            "data": {
                "submission_id": str(submission.pk),
                "lab_reference": submission.lab_reference,
                **data,
            },
        }
    ).encode()


def deliver(client, body: bytes, *, secret=SECRET, timestamp=None, header=None):
    signature = header if header is not None else sign_lab_webhook(body, secret, timestamp)
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={WEBHOOK_SIGNATURE_HEADER: signature},
    )


def test_the_url_is_named():
    assert reverse("orders:lab_webhook") == URL


def test_in_production_then_shipped_move_the_order_and_email_the_customer(
    client, secret, sent, django_capture_on_commit_callbacks
):
    submission = sent.lab_submissions.get()
    assert deliver(client, event_body(submission, "in_production")).status_code == 200
    assert Order.objects.get(pk=sent.pk).status == Status.IN_PRODUCTION
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client,
            event_body(submission, "shipped", carrier="DHL", tracking_number="JD0146"),
        )
    assert response.status_code == 200
    order = Order.objects.get(pk=sent.pk)
    assert order.status == Status.SHIPPED
    assert (order.carrier, order.tracking_number) == ("DHL", "JD0146")
    assert any("JD0146" in message.body for message in mail.outbox)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "JD0146" in page


def test_received_confirms_without_moving_an_order_already_sent(client, secret, sent):
    submission = sent.lab_submissions.get()
    response = deliver(client, event_body(submission, "received"))
    assert response.status_code == 200
    assert Order.objects.get(pk=sent.pk).status == Status.SENT_TO_LAB
    assert LabEvent.objects.get(type="received").processed


def test_received_completes_a_send_whose_reply_was_lost(client, secret, db):
    """The lab stored it but our send never heard back: the webhook settles it."""
    order = paid_order()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("orders.lab.services.enqueue_send_on_commit", lambda key: None)
        make_ready_for_lab(order)
    submission = order.lab_submissions.get()
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=LabSubmission.Status.RETRYING, attempts=1, last_error="connection dropped"
    )
    submission.lab_reference = "LAB-00042"
    response = deliver(client, event_body(submission, "received"))
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.status == LabSubmission.Status.SUBMITTED
    assert submission.lab_reference == "LAB-00042" and submission.acknowledged_at
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB and order.lab_reference == "LAB-00042"


def test_a_repeated_event_id_is_applied_once(client, secret, sent):
    submission = sent.lab_submissions.get()
    body = event_body(submission, "in_production", event_id="evt_once")
    assert deliver(client, body).status_code == 200
    again = deliver(client, body)
    assert again.status_code == 200 and again.content == b"duplicate"
    assert OrderStatusChange.objects.filter(order=sent, to_status=Status.IN_PRODUCTION).count() == 1
    assert LabEvent.objects.filter(event_id="evt_once").count() == 1


def test_only_forward_transitions(client, secret, sent):
    submission = sent.lab_submissions.get()
    deliver(client, event_body(submission, "shipped", carrier="UPS", tracking_number="1Z9"))
    response = deliver(client, event_body(submission, "in_production"))
    assert response.status_code == 200 and b"no change" in response.content
    assert Order.objects.get(pk=sent.pk).status == Status.SHIPPED
    deliver(client, event_body(submission, "received"))
    assert Order.objects.get(pk=sent.pk).status == Status.SHIPPED


@pytest.mark.parametrize(
    "breakage", ["wrong-secret", "stale", "tampered", "no-signature", "malformed", "unknown"]
)
def test_bad_deliveries_are_refused_with_400_and_change_nothing(client, secret, sent, breakage):
    submission = sent.lab_submissions.get()
    body = event_body(submission, "shipped", carrier="DHL", tracking_number="X1")
    kwargs = {}
    if breakage == "wrong-secret":
        kwargs["secret"] = "not-the-secret"
    elif breakage == "stale":
        kwargs["timestamp"] = int(time.time()) - 3600
    elif breakage == "no-signature":
        kwargs["header"] = ""
    elif breakage == "malformed":
        body = json.dumps({"id": "evt_x", "type": "shipped"}).encode()
    elif breakage == "unknown":
        body = json.dumps(
            {
                "id": "evt_unknown",
                "type": "in_production",
                "created_at": "2026-11-25T14:00:00Z",
                "data": {"submission_id": str(uuid.uuid4())},
            }
        ).encode()
    if breakage == "tampered":
        signature = sign_lab_webhook(body, SECRET)
        body = body.replace(b"X1", b"X2")
        kwargs["header"] = signature
    response = deliver(client, body, **kwargs)
    assert response.status_code == 400
    order = Order.objects.get(pk=sent.pk)
    assert order.status == Status.SENT_TO_LAB and not order.tracking_number
    assert not LabEvent.objects.filter(processed=True).exists()


def test_get_is_not_allowed(client, secret):
    assert client.get(URL).status_code == 405


def test_the_fake_lab_posts_a_signed_event_over_http(live_server, transactional_db, settings):
    from tests.fakes.lab import fake_lab

    settings.LAB_WEBHOOK_SECRET = SECRET
    order = paid_order()
    make_ready_for_lab(order)  # commits: the default folder transport runs in-process
    submission = order.lab_submissions.get()
    with fake_lab() as lab:
        response = lab.post_event(
            live_server.url + URL,
            SECRET,
            str(submission.pk),
            "shipped",
            carrier="Royal Mail",
            tracking_number="RM123456789GB",
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.tracking_number == "RM123456789GB"
