"""Celery tasks of the lab hand-off. They take ids and call `orders.lab.services`.

The registered names stay `orders.tasks.*` (where these tasks lived first) so messages already
queued, the `lab` queue's routes and the beat schedule keep working.
"""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from fitsperfect.health import record_beat_sweep
from orders.scans.services import scans_requeue_stale

from .errors import LabTemporaryError
from .events import lab_submissions_poll
from .services import (
    lab_copies_erase,
    lab_failure_alert_send,
    lab_submission_send,
    lab_submissions_sweep,
)


@shared_task(
    name="orders.tasks.send_lab_submission",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # our own attempt counter (LabSubmission.attempts) decides when to stop
    retry_backoff=True,
    retry_jitter=True,
)
def send_lab_submission(self, submission_id: str) -> str:
    """One attempt at sending a lab submission; retries itself with exponential backoff and full
    jitter on network errors, timeouts and 5xx. The row, not a result backend, records the outcome."""
    outcome = lab_submission_send(submission_id=submission_id)
    if outcome.retry_in is not None:
        if outcome.result == "busy":
            countdown = outcome.retry_in
        else:
            # Full jitter over the backoff window the service recorded as next_attempt_at's bound.
            countdown = get_exponential_backoff_interval(
                factor=max(int(outcome.retry_in), 1),
                retries=0,
                maximum=int(max(outcome.retry_in, 1)),
                full_jitter=bool(self.retry_jitter),
            )
        if self.request.is_eager:  # in-process (no broker): retry at once, in-process
            return self.apply(args=(submission_id,), retries=self.request.retries + 1).result
        raise self.retry(countdown=countdown)
    return outcome.result


@shared_task(name="orders.tasks.sweep_lab_submissions", ignore_result=True)
def sweep_lab_submissions(older_than_seconds: int | None = None) -> int:
    """Beat (every minute): re-enqueue lab submissions and scan checks that were left behind."""
    scans_requeue_stale()
    swept = lab_submissions_sweep(older_than_seconds=older_than_seconds)
    record_beat_sweep()  # /healthz/beat answers 503 when this has not happened for 5 minutes
    return swept


@shared_task(
    name="orders.tasks.alert_lab_failure",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
    acks_late=True,
)
def alert_lab_failure(submission_id: str) -> bool:
    """Tells the lab team a submission failed for good (see services.lab_failure_alert_send)."""
    return lab_failure_alert_send(submission_id=submission_id)


@shared_task(name="orders.tasks.poll_lab", ignore_result=True)
def poll_lab(quiet_for_seconds: int | None = None) -> int:
    """Beat: asks the lab about quiet submissions, in case a webhook was lost."""
    return lab_submissions_poll(quiet_for_seconds=quiet_for_seconds)


@shared_task(
    name="orders.tasks.erase_lab_copies",
    ignore_result=True,
    autoretry_for=(LabTemporaryError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=12,
    acks_late=True,
)
def erase_lab_copies(order_id: int) -> int:
    """A customer's erasure reaches the lab's copies (see services.lab_copies_erase)."""
    return lab_copies_erase(order_id=order_id)
