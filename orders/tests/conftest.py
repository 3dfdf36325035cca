"""Fixtures for the orders tests: the catalogue, the fake Stripe server, signed webhook posts."""

import pytest

from tests.fakes.stripe import serve_fake_stripe

from .factories import seed_catalogue

WEBHOOK_SECRET = "whsec_tests_only_0123456789abcdef"


@pytest.fixture
def catalogue(db):
    seed_catalogue()


@pytest.fixture
def stripe_server(settings):
    """The fake Stripe API on 127.0.0.1, with the site configured for real (non-test-mode) Stripe."""
    with serve_fake_stripe() as server:
        settings.STRIPE_SECRET_KEY = "sk_test_fake_for_tests"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake_for_tests"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.url
        settings.PAYMENTS_TEST_MODE = False
        yield server


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET
