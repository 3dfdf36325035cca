"""500 lab submissions drained by ONE Celery worker process to the fake lab, which answers one request
at a time after 50 ms (its capacity: 20 requests/s). Prints the drain's throughput as a fraction of
that capacity. Target: above 0.8 (the worker's own overhead per submission is small next to the lab).

Needs PostgreSQL and Redis (BENCH_POSTGRES, BENCH_LAB_REDIS_URL; defaults 127.0.0.1). Uses its own
database (fp_bench_lab, recreated) and a real `celery -A fitsperfect worker -P prefork -c 8`
(one worker node; BENCH_LAB_CONCURRENCY=1 for a single process).
BENCH_LAB_QUEUE=lab (default) gives the worker a queue of lab sends only; =celery makes the same one
worker also send the "sent to the lab" email each submission queues.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import celery_worker_command, stop_process  # noqa: E402

COUNT = int(os.environ.get("BENCH_LAB_COUNT", "500"))
DELAY = 0.05
TARGET = 0.8
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_LAB_DATABASE", "fp_bench_lab")
REDIS = os.environ.get("BENCH_LAB_REDIS_URL", "redis://127.0.0.1:6379/7")
# "lab": the worker consumes only a queue of lab sends (the customer emails each send queues go to
# the default queue, for another worker). "celery": one worker on the default queue does both.
QUEUE = os.environ.get("BENCH_LAB_QUEUE", "lab")
# One worker node; its prefork pool may run a few sends at once (each waits on the lab most of
# the time). CONCURRENCY=1 shows the per-send overhead of a single process.
CONCURRENCY = int(os.environ.get("BENCH_LAB_CONCURRENCY", "8"))


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def main() -> int:
    import tempfile

    media = Path(tempfile.mkdtemp(prefix="fp-bench-lab-"))
    os.environ.update(
        {
            "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
            "REDIS_URL": REDIS,
            "CELERY_BROKER_URL": REDIS,
            "MEDIA_ROOT": str(media),
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "fitsperfect.settings",
        }
    )
    from tests.fakes.lab import fake_lab

    with fake_lab("bench-key") as lab:
        lab.serial = True
        lab.delay = DELAY
        env = {
            **os.environ,
            "LAB_TRANSPORT": "http",
            "LAB_API_URL": lab.url,
            "LAB_API_KEY": "bench-key",
        }
        _recreate_database()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        import django

        django.setup()
        from unittest import mock

        from fitsperfect.celery import app
        from orders.lab.models import LabSubmission
        from orders.lab.tasks import send_lab_submission
        from orders.tests.factories import make_ready_for_lab, paid_order, seed_catalogue

        seed_catalogue()
        print(f"Preparing {COUNT} orders ready for the lab...", flush=True)
        with mock.patch("orders.lab.services.enqueue_send_on_commit", lambda key: None):
            for number in range(COUNT):
                make_ready_for_lab(paid_order(email=f"bench{number}@example.com"), size=2048)
        app.control.purge()  # the confirmation emails queued while preparing are not measured
        from kombu import Queue

        with app.connection_for_write() as connection:
            Queue(QUEUE).bind(connection.default_channel).purge()
        import resource

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker = subprocess.Popen(
            celery_worker_command(concurrency=CONCURRENCY, queues=QUEUE, loglevel="WARNING"),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not app.control.ping(timeout=1.0):
                pass
            keys = [str(pk) for pk in LabSubmission.objects.values_list("pk", flat=True)]
            started = time.monotonic()
            for key in keys:
                send_lab_submission.apply_async(args=[key], queue=QUEUE)
            while lab.accepted_count() < COUNT and time.monotonic() - started < 600:
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            accepted = lab.accepted_count()
            time.sleep(1.0)
            submitted = LabSubmission.objects.filter(status="submitted").count()
        finally:
            stop_process(worker, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    throughput = accepted / elapsed
    capacity = 1.0 / DELAY
    busy = sum(end - start for start, end in lab.handled) / elapsed
    print(f"worker                          : 1 worker, prefork -c {CONCURRENCY}, queue {QUEUE!r}")
    print(f"submissions accepted by the lab : {accepted}/{COUNT} (rows SUBMITTED: {submitted})")
    print(f"duplicates sent                 : {sum(lab.attempts.values()) - accepted}")
    print(f"drain time                      : {elapsed:.1f} s")
    print(f"throughput                      : {throughput:.2f}/s of the lab's {capacity:.0f}/s")
    print(f"fraction of capacity            : {throughput / capacity:.2f} (target > {TARGET})")
    print(f"lab busy                        : {busy:.0%} of the drain")
    print(
        f"worker CPU (incl. its start)    : {cpu:.1f} s = {cpu / COUNT * 1000:.0f} ms per submission"
    )
    print(f"machine load average            : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = accepted == COUNT and throughput / capacity > TARGET
    print("PASS" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
