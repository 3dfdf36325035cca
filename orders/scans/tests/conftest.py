"""The orders fixtures (catalogue, fake Stripe, webhook secrets) for the scans tests too."""

from orders.tests.conftest import *  # noqa: F403
