"""What the audit trail costs (issue 18): queries and time per audited `update()`, and time per
1,000 audited rows loaded, with the trail connected and with it disconnected.

Runs on a throwaway SQLite database (or DATABASE_URL) migrated from scratch; prints one line per
figure. The figures are quoted in fitsperfect/audit_trail.py's docstring.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitsperfect.settings")
_db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_db}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import post_init  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from orders.models import Order  # noqa: E402

ROWS = 1000
UPDATES = 200


def _orders() -> None:
    Order.objects.bulk_create(
        Order(
            number=f"FP-B{i:07d}",
            access_token=f"bench-{i}",
            email=f"b{i}@example.com",
            full_name="Bench",
            address_line1="1 Road",
            city="Town",
            postcode="AB1 2CD",
            country="GB",
        )
        for i in range(ROWS)
    )


def _load_ms() -> float:
    start = time.perf_counter()
    list(Order.objects.all()[:ROWS])
    return (time.perf_counter() - start) * 1000


def _update() -> tuple[float, int]:
    pks = list(Order.objects.values_list("pk", flat=True)[:UPDATES])
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        for pk in pks:
            Order.objects.filter(pk=pk).update(phone="0")
        seconds = time.perf_counter() - start
    return seconds / UPDATES * 1000, len(queries) // UPDATES


def main() -> None:
    call_command("migrate", verbosity=0)
    _orders()
    loaded = min(_load_ms() for _ in range(5))
    per_update, queries = _update()
    receivers = post_init._live_receivers(Order)
    post_init.receivers = [r for r in post_init.receivers if "audit-trail" not in str(r[0][0])]
    post_init.sender_receivers_cache.clear()
    bare = min(_load_ms() for _ in range(5))
    print(f"load {ROWS} orders: {loaded:.1f} ms with the trail, {bare:.1f} ms without")
    print(f"audited update(): {per_update:.2f} ms and {queries} queries each ({UPDATES} runs)")
    del receivers


if __name__ == "__main__":
    main()
