"""The orders tests' fixtures (catalogue, fake Stripe server, webhook secret) for the payments tests."""

from orders.tests.conftest import catalogue, stripe_server, webhook_secret  # noqa: F401
