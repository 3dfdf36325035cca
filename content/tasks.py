"""Newsletter emails, sent by the worker after the sign-up has committed."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_newsletter_confirmation(subscriber_id: int) -> bool:
    return services.send_confirmation_email(subscriber_id=subscriber_id)
