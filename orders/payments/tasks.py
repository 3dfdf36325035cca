"""Celery tasks of the payments app: they call services, never the other way round at import time."""

from celery import shared_task

from .services import flag_alert_send


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def alert_staff_payment_flag(flag_id: int) -> bool:
    """Tells staff about a payment problem (paid twice, dispute, failed refund, mismatch)."""
    return flag_alert_send(flag_id=flag_id)
