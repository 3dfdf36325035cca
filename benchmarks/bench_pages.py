"""Renders the shell pages in-process (Django test client, the configured database) and prints
requests per second and latency percentiles. A quick regression check; the production-like load
test with gunicorn and wrk belongs in a later benchmark."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitsperfect.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = ["/", "/how-it-works/", "/healthz"]
SECONDS_PER_PAGE = 3.0


def measure(client: Client, url: str) -> dict:
    timings = []
    deadline = time.perf_counter() + SECONDS_PER_PAGE
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    timings.sort()
    return {
        "url": url,
        "requests": len(timings),
        "rps": len(timings) / sum(timings),
        "p50_ms": 1000 * statistics.median(timings),
        "p95_ms": 1000 * timings[int(0.95 * (len(timings) - 1))],
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    client = Client()
    print(f"{'page':<20}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for url in PAGES:
        row = measure(client, url)
        print(
            f"{row['url']:<20}{row['requests']:>10}{row['rps']:>10.0f}"
            f"{row['p50_ms']:>10.2f}{row['p95_ms']:>10.2f}"
        )


if __name__ == "__main__":
    main()
