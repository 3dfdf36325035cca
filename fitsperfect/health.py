"""Health of the services the site depends on, for `/healthz` and the CI log."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

BEAT_SWEEP_KEY = "health:beat-sweep:last"


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "engine": connection.vendor, "error": error.__class__.__name__}
    return {"ok": True, "engine": connection.vendor}


def broker_state() -> dict:
    """With no broker configured tasks run in-process, which is healthy by design."""
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "broker": "in-process (no broker configured)"}
    from fitsperfect.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "broker": "unreachable", "error": error.__class__.__name__}
    return {"ok": True, "broker": str(transport)}


def record_beat_sweep() -> None:
    """Called by beat's every-minute sweep (orders.tasks.sweep_lab_submissions) once it has run."""
    cache.set(BEAT_SWEEP_KEY, time.time(), timeout=None)


def beat_state() -> dict:
    """Whether beat's sweep ran within `BEAT_STALE_SECONDS` (default 300): without it, a hand-off
    left `sending` by a killed worker waits for the broker's one-hour visibility timeout."""
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "beat": "not used (tasks run in-process)"}
    stale = int(getattr(settings, "BEAT_STALE_SECONDS", 300))
    try:
        last = cache.get(BEAT_SWEEP_KEY)
    except Exception as error:  # noqa: BLE001 - the cache being down is an answer too
        return {"ok": False, "beat": "unknown", "error": error.__class__.__name__}
    if last is None:
        return {"ok": False, "beat": "no sweep recorded", "stale_after_seconds": stale}
    age = max(0, round(time.time() - float(last)))
    return {"ok": age <= stale, "last_sweep_seconds_ago": age, "stale_after_seconds": stale}
