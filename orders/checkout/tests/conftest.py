"""Fixtures for the checkout tests: the orders fixtures (catalogue, fake Stripe)."""

from orders.tests.conftest import catalogue, stripe_server  # noqa: F401
