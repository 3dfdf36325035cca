"""Celery tasks for orders: customer emails. They take ids; the email's own status records each
attempt, never the order's, so a failed send is retried with backoff and never blocks the order."""

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
