"""Fixtures for the catalogue tests: the orders fixtures (the catalogue)."""

from orders.tests.conftest import catalogue  # noqa: F401
