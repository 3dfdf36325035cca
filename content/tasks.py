"""Newsletter emails, sent by the worker after the sign-up has committed."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_newsletter_confirmation(subscriber_id: int) -> bool:
    return services.send_confirmation_email(subscriber_id=subscriber_id)


@shared_task
def announce_article(article_id: int) -> int:
    return len(services.article_announce(article_id=article_id))


@shared_task
def announce_due_articles() -> int:
    """For the beat schedule (e.g. every 15 minutes) if eta tasks could be lost."""
    return services.announce_due_articles()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_article_email(article_id: int, subscriber_id: int) -> bool:
    return services.send_article_email(article_id=article_id, subscriber_id=subscriber_id)
