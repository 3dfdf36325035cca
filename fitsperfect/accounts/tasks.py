"""The accounts app's task: telling the privacy team an erasure request waits. Its registered name
stays `fitsperfect.tasks.notify_erasure_request`, so messages queued before the move still run."""

from celery import shared_task

from .services import erasure_request_notify


@shared_task(
    name="fitsperfect.tasks.notify_erasure_request",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
    acks_late=True,
)
def notify_erasure_request(request_id: int) -> None:
    erasure_request_notify(request_id=request_id)
