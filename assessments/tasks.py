"""Background work for assessments."""

from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_result_link(assessment_id: int) -> bool:
    """Email the person the private link to their result (enqueued after commit)."""
    return services.result_link_send(assessment_id=assessment_id)


@shared_task
def purge_abandoned_drafts() -> int:
    """Daily: drop drafts (and their photos) untouched for 30 days."""
    return services.assessment_drafts_purge()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_clinic_answer(message_id: int) -> bool:
    """Email the person a clinician's answer to their message (enqueued after commit)."""
    return services.clinic_answer_send(message_id=message_id)
