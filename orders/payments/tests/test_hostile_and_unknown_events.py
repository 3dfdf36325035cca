"""Bodies from anyone and events we did not start: every delivery stored, only our faults 5xx.

Run on PostgreSQL too (NUL handling differs from SQLite):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fp_payments REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python -m pytest orders/payments/tests/test_hostile_and_unknown_events.py
"""

import json
import logging

import pytest
from django.conf import settings as django_settings

from orders.lab.models import LabEvent
from orders.lab.webhooks import WEBHOOK_SIGNATURE_HEADER, sign_lab_webhook
from orders.payments.models import StripeEvent
from tests.fakes.stripe import event, post_event, signature_header

pytestmark = pytest.mark.django_db


def _signed_raw(client, body: bytes, secret: str):
    return client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body.decode("utf-8", "replace"), secret),
    )


# --- Events we did not start ---------------------------------------------------------------------


def test_a_completed_session_from_another_integration_is_ignored_with_the_reason(
    client, catalogue, webhook_secret, django_user_model
):
    foreign = {
        "id": "cs_test_payment_link",
        "object": "checkout.session",
        "amount_total": 2000,
        "currency": "usd",
        "metadata": {},
        "client_reference_id": None,
        "payment_intent": "pi_test_foreign",
        "payment_status": "paid",
        "status": "complete",
    }
    response = post_event(client, event("checkout.session.completed", foreign), webhook_secret)
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.processed and stored.result == "ignored"
    assert "not one of ours" in stored.outcome
    admin = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(admin)
    html = client.get("/admin/payments/stripeevent/?result__exact=ignored").content.decode()
    assert stored.event_id in html and "not one of ours" in html


@pytest.mark.parametrize(
    ("kind", "obj", "reason"),
    [
        (
            "checkout.session.expired",
            {"id": "cs_x", "object": "checkout.session", "metadata": {"order_number": "FP-NOPE"}},
            "no order 'FP-NOPE'",
        ),
        ("charge.refunded", {"id": "ch_x", "object": "charge"}, "names no PaymentIntent"),
        ("refund.created", {"id": "re_x", "object": "refund", "status": "pending"}, "names no"),
        ("charge.dispute.created", {"id": "dp_x", "object": "dispute"}, "names no"),
        ("checkout.session.completed", {}, "no data.object"),
        ("customer.created", {"id": "cus_1", "object": "customer"}, "not a type we handle"),
    ],
)
def test_events_that_match_nothing_answer_200_and_are_stored_ignored(
    client, webhook_secret, kind, obj, reason
):
    response = post_event(client, event(kind, obj), webhook_secret)
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.result == "ignored" and reason in stored.outcome and stored.processed


def test_a_signed_event_without_data_answers_200(client, webhook_secret):
    body = json.dumps({"id": "evt_nodata", "object": "event", "type": "charge.refunded"})
    response = post_event(client, None, webhook_secret, body=body)
    assert response.status_code == 200
    assert StripeEvent.objects.get().result == "ignored"


def test_a_refund_for_an_unknown_payment_intent_is_deferred_not_500(client, webhook_secret):
    refund = {"id": "re_y", "object": "refund", "payment_intent": "pi_later", "status": "pending"}
    response = post_event(client, event("refund.created", refund), webhook_secret)
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.result == "deferred" and stored.waiting_for == "pi_later"


# --- Hostile bodies ------------------------------------------------------------------------------


def test_a_deeply_nested_unsigned_body_is_stored_and_refused_without_a_500(client, webhook_secret):
    body = b"[" * 4000 + b"]" * 4000
    response = client.post(
        "/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE="x"
    )
    assert response.status_code == 400
    stored = StripeEvent.objects.get()
    assert not stored.valid and "Signature" in stored.error


def test_a_deeply_nested_signed_body_is_refused_by_the_depth_limit(client, webhook_secret):
    body = ('{"id": "evt_deep", "type": "x", "data": ' + "[" * 4000 + "]" * 4000 + "}").encode()
    response = _signed_raw(client, body, webhook_secret)
    assert response.status_code == 400
    assert "nested deeper" in StripeEvent.objects.get().error


def test_nul_and_invalid_utf8_bytes_are_stored_escaped(client, webhook_secret):
    body = b'{"id": "evt_nul", "type": "a\x00b", "junk": "\xff\xfe"}'
    response = client.post(
        "/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE="x"
    )
    assert response.status_code == 400
    stored = StripeEvent.objects.get()
    assert "\x00" not in stored.raw_body and "\\x00" in stored.raw_body
    assert "\\xff\\xfe" in stored.raw_body


def test_a_signed_event_with_a_nul_escape_in_its_strings_is_processed(client, webhook_secret):
    obj = {"id": "cs_nul", "object": "checkout.session", "metadata": {"order_number": "FP-\u0000"}}
    response = post_event(client, event("checkout.session.expired", obj), webhook_secret)
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.valid and stored.result == "ignored" and "\x00" not in stored.outcome


def test_the_lab_webhook_stores_hostile_bodies_and_answers_400(client, settings):
    settings.LAB_WEBHOOK_SECRET = "lab-secret"
    deep = b"[" * 4000 + b"]" * 4000
    nul = b'{"id": "evt_\x00", "type": "shipped"}'
    for body in (deep, nul):
        response = client.post(
            "/webhooks/lab/",
            data=body,
            content_type="application/json",
            headers={WEBHOOK_SIGNATURE_HEADER: sign_lab_webhook(body, "lab-secret")},
        )
        assert response.status_code == 400
    stored = list(LabEvent.objects.order_by("pk"))
    assert len(stored) == 2 and not any("\x00" in row.raw_body for row in stored)
    assert "nested deeper" in stored[0].error


# --- The API version -----------------------------------------------------------------------------


def test_the_api_version_is_pinned_to_the_installed_sdks(settings):
    import stripe

    assert stripe.api_version == django_settings.STRIPE_API_VERSION


def test_an_event_of_another_api_version_is_stored_with_it_and_logged(
    client, webhook_secret, caplog
):
    other = event(
        "customer.created", {"id": "cus_1", "object": "customer"}, api_version="2020-08-27"
    )
    with caplog.at_level(logging.WARNING, logger="orders.payments.webhook"):
        assert post_event(client, other, webhook_secret).status_code == 200
    assert StripeEvent.objects.get().api_version == "2020-08-27"
    assert any("2020-08-27" in record.getMessage() for record in caplog.records)


def test_an_event_of_the_pinned_version_logs_no_warning(client, webhook_secret, caplog):
    with caplog.at_level(logging.WARNING, logger="orders.payments.webhook"):
        post_event(
            client, event("customer.created", {"id": "c", "object": "customer"}), webhook_secret
        )
    assert StripeEvent.objects.get().api_version == django_settings.STRIPE_API_VERSION
    assert not caplog.records
