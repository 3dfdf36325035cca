"""Fixtures for the payments tests: the orders fixtures, plus an order paid through fake Stripe."""

import pytest

from orders.payments import checkout as stripe_checkout
from orders.tests.conftest import catalogue, stripe_server, webhook_secret  # noqa: F401
from orders.tests.factories import create_order
from tests.fakes.stripe import event, post_event


@pytest.fixture
def paid_order(catalogue, stripe_server, webhook_secret, client):  # noqa: F811
    """An order paid by the real checkout code against fake Stripe: (order, completed session)."""
    order = create_order()
    stripe_checkout.start_checkout(
        order=order,
        success_url="http://testserver/s",
        cancel_url="http://testserver/c",
        test_page_url="/unused/",
    )
    order.refresh_from_db()
    session = stripe_server.pay(order.stripe_checkout_session_id)
    assert (
        post_event(client, event("checkout.session.completed", session), webhook_secret).status_code
        == 200
    )
    order.refresh_from_db()
    assert order.is_paid
    return order, session
