"""Project-level tasks."""

from celery import shared_task
from django.core.cache import cache


@shared_task(ignore_result=True)
def record_worker_heartbeat(key: str) -> None:
    """Leaves a mark a health check or test can read, proving a worker consumed from the broker."""
    cache.set(f"worker-heartbeat:{key}", "alive", timeout=300)
