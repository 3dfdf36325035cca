"""Celery tasks of the foot scans. They take ids and call `orders.scans.services`.

The registered names stay `orders.tasks.*` (where they lived first) so queued messages, routes and
the beat schedule keep working.
"""

from celery import shared_task

from .services import scan_validate, scans_rejected_purge


@shared_task(
    name="orders.tasks.validate_scan",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def validate_scan(scan_id: int) -> str:
    """Parses, measures and previews one uploaded scan (`services.scan_validate`)."""
    scan = scan_validate(scan_id=scan_id)
    return scan.status if scan is not None else "missing"


@shared_task(name="orders.tasks.purge_rejected_scans", ignore_result=True)
def purge_rejected_scans() -> int:
    """Beat (daily): rejected uploads past `REJECTED_UPLOAD_RETENTION_DAYS` are deleted."""
    return scans_rejected_purge()
