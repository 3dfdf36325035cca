"""Handing work to Celery once the data it needs has committed.

Every app queues its tasks the same way: after commit (a worker must find the rows), and without
ever failing the request if the broker is down. The rows stay where the beat sweeps, staff's
"resend" buttons or the next poll find them, so a lost enqueue is logged, not raised.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **options) -> None:
    """`task.apply_async(args, **options)` once the current transaction commits (at once in
    autocommit); a broker error is logged with the task's name and arguments."""

    def enqueue() -> None:
        try:
            task.apply_async(args, **options)
        except Exception:  # the broker is down: the caller's rows say what is still to do
            logger.exception(
                "Could not queue %s%r; it stays to be picked up later", task.name, args
            )

    transaction.on_commit(enqueue)
