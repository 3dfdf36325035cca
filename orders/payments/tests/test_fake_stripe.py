"""The fake Stripe is as strict as Stripe: if it accepted what Stripe refuses, our tests would lie."""

import pytest
import stripe

from tests.fakes.stripe import event, serve_fake_stripe
from tests.fakes.stripe_params import SDK_API_VERSION


@pytest.fixture
def fake():
    with serve_fake_stripe() as server:
        client = stripe.StripeClient(
            "sk_test_fake", base_addresses={"api": server.url}, max_network_retries=0
        )
        yield server, client


SESSION = {
    "mode": "payment",
    "line_items": [
        {
            "price_data": {"currency": "gbp", "unit_amount": 1000, "product_data": {"name": "x"}},
            "quantity": 1,
        }
    ],
    "success_url": "http://x/s",
    "cancel_url": "http://x/c",
}


def test_an_unknown_parameter_is_refused_with_stripes_error_shape(fake):
    server, client = fake
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params={**SESSION, "customer_emial": "a@b.c"})
    assert refused.value.code == "parameter_unknown" and refused.value.param == "customer_emial"
    assert refused.value.http_status == 400
    assert server.rejected == [
        ("POST", "/v1/checkout/sessions", "parameter_unknown", "customer_emial")
    ]


def test_a_nested_unknown_or_mistyped_parameter_is_refused(fake):
    _server, client = fake
    nested = {**SESSION, "line_items": [{**SESSION["line_items"][0], "colour": "red"}]}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params=nested)
    assert refused.value.param == "line_items[0][colour]"
    with pytest.raises(stripe.InvalidRequestError) as mistyped:
        client.v1.refunds.create(params={"payment_intent": "pi_1", "amount": "ten"})
    assert mistyped.value.code == "parameter_invalid_integer"


def test_a_reused_idempotency_key_with_other_params_is_an_idempotency_error(fake):
    server, client = fake
    first = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "k1"})
    again = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "k1"})
    assert again.id == first.id and server.created["checkout.session"] == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params={**SESSION, "customer_email": "b@example.com"},
            options={"idempotency_key": "k1"},
        )


def test_charges_never_embed_refunds_and_refunds_settle_pending_then_succeeded_or_failed(fake):
    server, client = fake
    session = client.v1.checkout.sessions.create(params=SESSION)
    paid = server.pay(session.id)
    charge = server.charges[paid["payment_intent"]]
    assert "refunds" not in charge
    refund = client.v1.refunds.create(
        params={"payment_intent": paid["payment_intent"], "amount": 400}
    )
    assert refund.status == "pending" and charge["amount_refunded"] == 0
    events = server.settle_refunds()
    assert [e["type"] for e in events] == ["refund.updated", "charge.refunded"]
    assert "refunds" not in events[1]["data"]["object"]
    assert charge["amount_refunded"] == 400
    listed = client.v1.refunds.list(params={"payment_intent": paid["payment_intent"]})
    assert [r.status for r in listed.data] == ["succeeded"]
    server.refund_outcome = "failed"
    client.v1.refunds.create(params={"payment_intent": paid["payment_intent"], "amount": 100})
    assert [e["type"] for e in server.settle_refunds()] == ["refund.failed"]
    with pytest.raises(stripe.InvalidRequestError):  # more than is left on the charge
        client.v1.refunds.create(
            params={"payment_intent": paid["payment_intent"], "amount": 999999}
        )


def test_events_carry_the_endpoints_api_version():
    assert event("charge.refunded", {"id": "ch_1"})["api_version"] == SDK_API_VERSION
