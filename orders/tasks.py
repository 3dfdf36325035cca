"""Celery tasks for orders: customer emails. They take ids; the email's own status records each
attempt, never the order's, so a failed send is retried with backoff and never blocks the order."""

import smtplib

from celery import shared_task

from .emails import (
    order_email_failed_for_good,
    order_email_failure_alert_send,
    order_email_set_status,
    order_email_start_attempt,
    order_emails_sweep,
    send_email,
)
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
    email = order_email_start_attempt(email_id=order_email_id)
    if email is None:
        return "skipped"
    try:
        send_email(email)
    except Exception as error:
        final = self.request.retries >= (self.max_retries or 0) or not isinstance(error, RETRYABLE)
        message = f"{type(error).__name__}: {error}"
        if final:
            order_email_failed_for_good(email_id=email.pk, error=message)
        else:
            order_email_set_status(
                email_id=email.pk, to_status=OrderEmail.Status.QUEUED, error=message
            )
        raise
    order_email_set_status(email_id=email.pk, to_status=OrderEmail.Status.SENT)
    return "sent"


@shared_task(ignore_result=True)
def sweep_order_emails() -> int:
    """Beat (every minute): customer emails whose enqueue or retry was lost are queued again."""
    return order_emails_sweep()


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def alert_order_email_failure(order_email_id: int) -> bool:
    """Tells staff a customer email failed for good (see emails.order_email_failure_alert_send)."""
    return order_email_failure_alert_send(email_id=order_email_id)
