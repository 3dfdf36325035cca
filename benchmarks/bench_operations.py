"""What the operations page costs for 10,000 orders (issue 19): the figures' query count and time,
and the whole admin page's query count and render time, with 100 orders and with 10,000.

Builds the orders (with their status history, refunds, disputes, assessments and article view
counters, as the tests do) in a throwaway database: Django's test database for the configured
DATABASE_URL (`test_<name>` on PostgreSQL, dropped at the end; in memory on SQLite, the default).
Prints one line per figure.

    .venv/bin/python benchmarks/bench_operations.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fitsperfect .venv/bin/python benchmarks/bench_operations.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitsperfect.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.operations.selectors import operations_overview  # noqa: E402
from orders.operations.tests.factories import (  # noqa: E402
    build_article_views,
    build_assessments,
    build_orders,
)

URL = "/admin/operations/operationspage/"


def _measure(client: Client, now) -> tuple[int, float, int, float]:
    reset_queries()  # the log keeps the last 9,000 queries only: building filled it
    with CaptureQueriesContext(connection) as figures:
        start = time.perf_counter()
        operations_overview(now=now)
        figures_ms = (time.perf_counter() - start) * 1000
    client.get(URL)  # session and permissions warm, as for a member of staff looking again
    with CaptureQueriesContext(connection) as page:
        start = time.perf_counter()
        response = client.get(URL)
        page_ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    return len(figures.captured_queries), figures_ms, len(page.captured_queries), page_ms


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        now = timezone.now()
        client = Client()
        client.force_login(User.objects.create_superuser("bench", password=None))
        build_article_views(now=now)
        print(f"database: {connection.vendor} (throwaway: {connection.settings_dict['NAME']})")
        built = 0
        for total, seed in ((100, 1), (10_000, 2)):
            start = time.perf_counter()
            build_orders(total - built, now=now, seed=seed)
            build_assessments((total - built) // 5, now=now, seed=seed)
            build_ms = (time.perf_counter() - start) * 1000
            built = total
            figures_q, figures_ms, page_q, page_ms = _measure(client, now)
            print(f"{total:>6} orders: built in {build_ms:,.0f} ms")
            print(f"{total:>6} orders: figures {figures_q} queries, {figures_ms:,.0f} ms")
            print(f"{total:>6} orders: admin page {page_q} queries, {page_ms:,.0f} ms to render")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
