"""The one way to Stripe's API: a configured `StripeClient`, and whether we are in test payment mode.

The official SDK talks to `settings.STRIPE_API_BASE` when set (the tests' fake Stripe server). In
`PAYMENTS_TEST_MODE` (no keys, never in production) nothing leaves the machine.
"""

from __future__ import annotations

import stripe
from django.conf import settings


class PaymentsUnavailable(Exception):
    """Stripe could not be reached or refused the request; nothing was charged."""


def test_mode() -> bool:
    """The local stand-in for Stripe: only without keys, and never in production."""
    return bool(settings.PAYMENTS_TEST_MODE) and not getattr(settings, "IS_PRODUCTION", False)


def client() -> stripe.StripeClient:
    kwargs = {}
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=2,
        stripe_version=settings.STRIPE_API_VERSION,
        **kwargs,
    )
