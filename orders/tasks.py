"""Celery tasks for orders: customer emails. They take ids and call the email module; they never
change an order, so a failed send is retried with backoff and never blocks the order."""

import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .emails import send_email
from .models import OrderEmail

RETRYABLE = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_order_email(self, order_email_id: int) -> str:
    with transaction.atomic():
        email = (
            OrderEmail.objects.select_for_update()
            .select_related("order")
            .filter(pk=order_email_id)
            .first()
        )
        if email is None or email.status == OrderEmail.Status.SENT:
            return "skipped"
        email.attempts += 1
        email.save(update_fields=["attempts"])
    try:
        send_email(email)
    except Exception as error:
        final = self.request.retries >= (self.max_retries or 0) or not isinstance(error, RETRYABLE)
        OrderEmail.objects.filter(pk=email.pk).update(
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=OrderEmail.Status.FAILED if final else OrderEmail.Status.QUEUED,
        )
        raise
    OrderEmail.objects.filter(pk=email.pk).update(
        status=OrderEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


# --- Scans and the lab hand-off (issue 7) ----------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def validate_scan(scan_id: int) -> str:
    """Parses, measures and previews one uploaded scan (`scan_services.scan_validate`)."""
    from .scan_services import scan_validate

    scan = scan_validate(scan_id=scan_id)
    return scan.status if scan is not None else "missing"


@shared_task(
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
    from celery.utils.time import get_exponential_backoff_interval

    from .lab_services import lab_submission_send

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


@shared_task(ignore_result=True)
def sweep_lab_submissions(older_than_seconds: int | None = None) -> int:
    """Beat (every minute): re-enqueue lab submissions and scan checks that were left behind."""
    from fitsperfect.health import record_beat_sweep

    from .lab_services import lab_submissions_sweep
    from .scan_services import scans_requeue_stale

    scans_requeue_stale()
    swept = lab_submissions_sweep(older_than_seconds=older_than_seconds)
    record_beat_sweep()  # /healthz/beat answers 503 when this has not happened for 5 minutes
    return swept


@shared_task(ignore_result=True)
def purge_rejected_scans() -> int:
    """Beat (daily): rejected uploads past `REJECTED_UPLOAD_RETENTION_DAYS` are deleted."""
    from .scan_services import scans_rejected_purge

    return scans_rejected_purge()


@shared_task(
    ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8, acks_late=True
)
def alert_lab_failure(submission_id: str) -> bool:
    """Tells the lab team a submission failed for good (see lab_services.lab_failure_alert_send)."""
    from .lab_services import lab_failure_alert_send

    return lab_failure_alert_send(submission_id=submission_id)


@shared_task(ignore_result=True)
def poll_lab(quiet_for_seconds: int | None = None) -> int:
    """Beat: asks the lab about quiet submissions, in case a webhook was lost."""
    from .lab_services import lab_submissions_poll

    return lab_submissions_poll(quiet_for_seconds=quiet_for_seconds)
