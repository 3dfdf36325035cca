"""Content-test fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _no_stale_broker_pools():
    """Eager `.delay()` still acquires a producer, which puts a connection pool in kombu's global
    registry. The suite's worker fixture force-closes `app._pool` but the registry then hands that
    closed pool back ("Acquire on closed pool"). Clearing the registry around every content test
    keeps our eager emails from breaking any worker test that runs later in the session."""
    from kombu import pools

    from fitsperfect.celery import app

    def reset() -> None:
        pools.reset()
        app._pool = None  # noqa: SLF001
        app.amqp._producer_pool = None  # noqa: SLF001

    reset()
    yield
    reset()
