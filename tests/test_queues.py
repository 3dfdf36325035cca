"""Lab hand-offs have a queue of their own, so a slow lab never holds up emails and scan checks."""

from __future__ import annotations

import pytest

from fitsperfect.celery import app


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_lab_tasks_go_to_the_lab_queue_and_the_rest_to_the_default_one():
    app.loader.import_default_modules()  # every app's tasks.py, as a worker loads them
    assert _queue_of("orders.tasks.send_lab_submission") == "lab"
    assert _queue_of("orders.tasks.poll_lab") == "lab"
    for other in (
        "orders.tasks.send_order_email",
        "orders.tasks.validate_scan",
        "orders.tasks.alert_lab_failure",
        "assessments.tasks.purge_abandoned_drafts",
    ):
        assert other in app.tasks, other
        assert _queue_of(other) == "celery", other


def test_a_worker_started_without_queues_consumes_both():
    assert {queue.name for queue in app.amqp.queues.values()} == {"celery", "lab"}


@pytest.mark.django_db
def test_a_lab_hand_off_waits_in_the_lab_queue_on_the_real_broker(settings):
    """Published to Redis (no worker running): the message sits in "lab", not in "celery"."""
    import redis

    from conftest import IN_CI, _reset_broker_connections
    from orders.lab.tasks import send_lab_submission
    from orders.tasks import send_order_email

    if not settings.CELERY_BROKER_URL:
        if IN_CI:
            pytest.fail("CI runs this against Redis: set REDIS_URL.")
        pytest.skip("Needs a Redis broker (REDIS_URL); CI always has one.")
    previous = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    _reset_broker_connections(app)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        app.control.purge()
        send_lab_submission.delay("00000000-0000-0000-0000-000000000000")
        send_order_email.delay(0)
        assert client.llen("lab") == 1
        assert client.llen("celery") == 1
    finally:
        app.control.purge()
        app.conf.update(previous)
        _reset_broker_connections(app)
