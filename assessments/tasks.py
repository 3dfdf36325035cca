"""Background work for assessments."""

from celery import shared_task

from . import services


@shared_task
def purge_abandoned_drafts() -> int:
    """Daily: drop drafts (and their photos) untouched for 30 days."""
    return services.assessment_drafts_purge()
