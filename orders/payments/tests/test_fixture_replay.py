"""Stripe's own fixture objects (tests/fixtures/stripe/), wrapped in signed events and replayed
through /webhooks/stripe/: none may answer 5xx, every one is stored with its outcome."""

import json
from pathlib import Path

import pytest

from orders.payments.models import StripeEvent
from tests.fakes.stripe import event, post_event

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "stripe"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def replay_events() -> list[dict]:
    session, charge = _load("checkout_session"), _load("charge")
    refund, dispute = _load("refund"), _load("dispute")
    paid_session = {**session, "payment_status": "paid", "status": "complete"}
    charge_without_refunds = {k: v for k, v in charge.items() if k != "refunds"}
    real_event = _load("event")  # as published: plan.created with api_version null
    return [
        event("checkout.session.completed", session),
        event("checkout.session.completed", paid_session),
        event("checkout.session.async_payment_succeeded", paid_session),
        event("checkout.session.async_payment_failed", session),
        event("checkout.session.expired", session),
        event("charge.refunded", charge),
        event("charge.refunded", charge_without_refunds),
        event("refund.created", refund),
        event("refund.updated", refund),
        event("refund.failed", {**refund, "status": "failed"}),
        event("charge.refund.updated", refund),
        event("charge.dispute.created", dispute),
        event("charge.dispute.updated", dispute),
        event("charge.dispute.closed", {**dispute, "status": "lost"}),
        event("payment_intent.succeeded", _load("payment_intent")),
        real_event,
    ]


def test_every_fixture_event_is_answered_without_a_5xx_and_stored(
    client, catalogue, webhook_secret
):
    events = replay_events()
    for item in events:
        response = post_event(client, item, webhook_secret)
        assert response.status_code < 500, (item["type"], response.content)
        assert response.status_code == 200, item["type"]
    stored = StripeEvent.objects.filter(valid=True)
    assert stored.count() == len(events)
    assert not stored.exclude(error="").exists()
    outcomes = {row.type: row.result for row in stored}
    # None of these are our orders: recorded with the reason, never applied.
    assert set(outcomes.values()) <= {"ignored", "deferred"}
    assert outcomes["plan.created"] == "ignored"


@pytest.mark.django_db(transaction=True)
def test_the_running_site_answers_every_fixture_event_without_a_5xx(live_server, settings):
    """The same replay over real HTTP against a running server (what Stripe's retries would see)."""
    import requests

    from orders.tests.conftest import WEBHOOK_SECRET
    from tests.fakes.stripe import signature_header

    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    for item in replay_events():
        body = json.dumps(item)
        response = requests.post(
            live_server.url + "/webhooks/stripe/",
            data=body.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header(body, WEBHOOK_SECRET),
            },
            timeout=10,
        )
        assert response.status_code == 200, (item["type"], response.text)
    assert StripeEvent.objects.filter(valid=True, error="").count() == len(replay_events())
