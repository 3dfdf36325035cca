"""Project-level tasks."""

from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from .data_requests import erasure_request_notify


@shared_task(ignore_result=True)
def record_worker_heartbeat(key: str) -> None:
    """Leaves a mark a health check or test can read, proving a worker consumed from the broker."""
    cache.set(f"worker-heartbeat:{key}", "alive", timeout=300)


@shared_task(
    ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8, acks_late=True
)
def notify_erasure_request(request_id: int) -> None:
    erasure_request_notify(request_id=request_id)


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Daily: expired sessions can hold a visitor's unsent answers, so they are not kept."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
