"""Project-level tasks."""

import smtplib
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from . import outbox
from .models import OutboxEmail

RETRYABLE = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


@shared_task(ignore_result=True)
def record_worker_heartbeat(key: str) -> None:
    """Leaves a mark a health check or test can read, proving a worker consumed from the broker."""
    cache.set(f"worker-heartbeat:{key}", "alive", timeout=300)


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Daily: expired sessions can hold a visitor's unsent answers, so they are not kept."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task(
    bind=True,
    autoretry_for=RETRYABLE,
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def send_outbox_email(self, email_id: int) -> str:
    """One customer email of the outbox (fitsperfect.outbox); the same policy as order emails."""
    email = outbox.outbox_email_start_attempt(email_id=email_id)
    if email is None:
        return "skipped"
    try:
        outbox.outbox_email_send(email)
    except Exception as error:
        final = self.request.retries >= (self.max_retries or 0) or not isinstance(error, RETRYABLE)
        message = f"{type(error).__name__}: {error}"
        if final:
            outbox.outbox_email_failed_for_good(email_id=email.pk, error=message)
        else:
            outbox.outbox_email_set_status(
                email_id=email.pk, to_status=OutboxEmail.Status.QUEUED, error=message
            )
        raise
    outbox.outbox_email_set_status(email_id=email.pk, to_status=OutboxEmail.Status.SENT)
    return "sent"


@shared_task(ignore_result=True)
def sweep_outbox_emails() -> int:
    """Beat (every minute): outbox emails whose enqueue or retry was lost are queued again."""
    return outbox.outbox_emails_sweep()


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def alert_outbox_email_failure(email_id: int) -> bool:
    """Tells staff a customer email failed for good (see outbox.outbox_email_failure_alert_send)."""
    return outbox.outbox_email_failure_alert_send(email_id=email_id)
