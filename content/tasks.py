"""Article announcements (their emails go through the outbox: fitsperfect.outbox)."""

from celery import shared_task

from . import services


@shared_task
def announce_article(article_id: int) -> int:
    return len(services.article_announce(article_id=article_id))


@shared_task
def announce_due_articles() -> int:
    """For the beat schedule (e.g. every 15 minutes) if eta tasks could be lost."""
    return services.announce_due_articles()
