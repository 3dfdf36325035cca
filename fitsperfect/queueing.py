"""Handing work to Celery once the data it needs has committed.

Every app queues its tasks the same way: after commit (a worker must find the rows), and without
ever failing the request if the broker is down. The rows stay where the beat sweeps, staff's
"resend" buttons or the next poll find them, so a lost enqueue is logged, not raised.

Services name the task (its registered name, a string) instead of importing it: the tasks module
imports the services, so importing it back would make a cycle. Imports flow one way: tasks ->
services -> models; services reach tasks only through this module.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered Celery task called ``name`` (each app's `tasks.py` is autodiscovered)."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_now(task: str, *args, **options) -> None:
    """`apply_async` at once, for sweeps outside a transaction; a broker error is raised."""
    task_named(task).apply_async(args, **options)


def enqueue_on_commit(task, *args, **options) -> None:
    """`task.apply_async(args, **options)` once the current transaction commits (at once in
    autocommit); a broker error is logged with the task's name and arguments. ``task`` is the
    task's registered name (what services pass) or the task itself."""

    def enqueue() -> None:
        try:
            (task_named(task) if isinstance(task, str) else task).apply_async(args, **options)
        except Exception:  # the broker is down: the caller's rows say what is still to do
            logger.exception(
                "Could not queue %s%r; it stays to be picked up later",
                getattr(task, "name", task),
                args,
            )

    transaction.on_commit(enqueue)
