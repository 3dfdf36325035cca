"""Health of the services the site depends on, for `/healthz` and the CI log."""

from django.conf import settings
from django.db import connection


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
