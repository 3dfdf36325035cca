"""The production-like stack the HTTP and Lighthouse benchmarks measure, started in one call.

gunicorn with `DJANGO_ENV=production` (plain HTTP on loopback: `SECURE_SSL_REDIRECT=False`),
PostgreSQL (its own database, recreated, migrated and seeded), Redis as cache and broker, and
whitenoise serving the output of `collectstatic`. Nothing here is imported by the site.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

DATABASE_NAME = os.environ.get("BENCH_DATABASE", "fp_bench")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


class StackError(RuntimeError):
    """The benchmark cannot run: says which service is missing and how to get it."""


@dataclass
class Stack:
    base_url: str
    env: dict[str, str]
    log: Path
    urls: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        request = urllib.request.Request(self.base_url + path, headers=headers)  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "load_average_at_start": load_average(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def write_results(section: str, data: dict) -> Path:
    """Merge one benchmark's figures into results/latest.json (ignored by git)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    current = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            current = json.loads(path.read_text())
    current[section] = data
    path.write_text(json.dumps(current, indent=2, sort_keys=True))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; always reaped."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gunicorn_command(port: int, *, workers: int, extra: tuple[str, ...] = ()) -> list[str]:
    """The Procfile's web process (sync workers) on 127.0.0.1:`port`; benchmarks and the
    scale-out test start it the same way."""
    return [
        str(BIN / "gunicorn"),
        "fitsperfect.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--logger-class",  # tokens masked in the access log, as in the Procfile
        "fitsperfect.gunicorn_logging.RedactingLogger",
        *extra,
    ]


def celery_worker_command(
    *, concurrency: int, name: str = "", queues: str = "", loglevel: str = "INFO"
) -> list[str]:
    """The Procfile's worker (prefork), optionally named ``<name>@<host>`` or limited to queues."""
    command = [
        str(BIN / "celery"),
        "-A",
        "fitsperfect",
        "worker",
        "-P",
        "prefork",
        "-c",
        str(concurrency),
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        f"--loglevel={loglevel}",
    ]
    if name:
        command += ["-n", f"{name}@%h"]
    if queues:
        command += ["-Q", queues]
    return command


def _check_services() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(f"{POSTGRES_URL}/postgres", connect_timeout=5).close()
    except psycopg.Error as error:
        raise StackError(
            f"PostgreSQL is not answering at {POSTGRES_URL} ({error}); start it "
            "(pg_ctlcluster <version> main start) or set BENCH_POSTGRES."
        ) from error
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as error:
        raise StackError(
            f"Redis is not answering at {REDIS_URL} ({error}); start redis-server or set "
            "BENCH_REDIS_URL."
        ) from error


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def production_env(workdir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "STRIPE_", "CELERY_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "fitsperfect.settings",
            "DJANGO_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "False",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            "DATABASE_URL": f"{POSTGRES_URL}/{DATABASE_NAME}",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": "bench",
            "STRIPE_SECRET_KEY": "sk_test_benchmark_not_a_real_key",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_benchmark_not_a_real_key",
            "STRIPE_WEBHOOK_SECRET": "whsec_benchmark_not_a_real_secret",
            "STRIPE_API_BASE": "http://127.0.0.1:9",  # never reached by the measured pages
            "EMAIL_URL": "consolemail://",
            "LAB_API_URL": "http://127.0.0.1:9/",
            "LAB_API_KEY": "benchmark",
            "LAB_WEBHOOK_SECRET": "benchmark",
            "MEDIA_ROOT": str(workdir / "private"),
            "PUBLIC_MEDIA_ROOT": str(workdir / "public"),
            "LAB_DROP_DIR": str(workdir / "lab-drop"),
            "BENCHMARK_BARE_VIEW": "true",
            # Every request comes from 127.0.0.1: the per-address limits (fitsperfect.ratelimit)
            # would answer 429 after the first few hundred POSTs, so they are off here.
            "RATE_LIMITS_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise StackError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _discover_urls(stack: Stack) -> dict[str, str]:
    """A published article and a product from the seeded data, found as a visitor would."""
    status, _headers, body = stack.get("/articles/")
    if status != 200:
        raise StackError(f"/articles/ answered {status}")
    skip = ("/articles/feed/", "/articles/topic/", "/articles/newsletter/")
    articles = [
        href
        for href in re.findall(r'href="(/articles/[^"/]+/)"', body)
        if not href.startswith(skip)
    ]
    if not articles:
        raise StackError("seed_demo left no published article linked from /articles/")
    topics = re.findall(r'href="(/articles/topic/[^"/]+/)"', body)
    urls = {"article": articles[0]}
    if topics:
        urls["topic"] = topics[0]
    return urls


@contextlib.contextmanager
def production_stack(*, workers: int | None = None) -> Iterator[Stack]:
    """Start the whole stack; stop gunicorn (and only it) on the way out."""
    _check_services()
    if not (BIN / "gunicorn").exists():
        raise StackError(f"gunicorn is not installed in {BIN}: run `make install`")
    workdir = Path(tempfile.mkdtemp(prefix="fp-bench-"))
    env = production_env(workdir)
    _recreate_database()
    _flush_redis()
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "collectstatic", "--noinput", "-v", "0")  # no --clear: others may be reading it
    port = free_port()
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / "gunicorn.log"
    workers = workers or 2 * (os.cpu_count() or 1)
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            gunicorn_command(
                port, workers=workers, extra=("--backlog", "2048", "--log-level", "warning")
            ),
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(base_url=f"http://127.0.0.1:{port}", env=env, log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if stack.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"gunicorn did not become healthy; see {log}")
            time.sleep(0.3)
        stack.urls = _discover_urls(stack)
        yield stack
    finally:
        stop_process(server, timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)
