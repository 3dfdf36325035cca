"""Fixtures for the orders tests: the catalogue, the fake Stripe server, signed webhook posts."""

import pytest

from tests.fakes.lab import fake_lab
from tests.fakes.stripe import serve_fake_stripe

from .factories import seed_catalogue

WEBHOOK_SECRET = "whsec_tests_only_0123456789abcdef"
LAB_API_KEY = "test-lab-key"


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


@pytest.fixture
def lab(settings):
    """The fake lab over HTTP, with short backoffs so retries happen within a test."""
    with fake_lab(LAB_API_KEY) as server:
        settings.LAB_TRANSPORT = "http"
        settings.LAB_API_URL = server.url
        settings.LAB_API_KEY = LAB_API_KEY
        settings.LAB_TIMEOUT_SECONDS = 10.0
        settings.LAB_RETRY_BACKOFF_SECONDS = 0.2
        settings.LAB_RETRY_BACKOFF_MAX_SECONDS = 1.0
        settings.LAB_BUSY_RETRY_SECONDS = 0.5
        yield server
