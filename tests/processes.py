"""Real web and worker processes for scale-out tests: gunicorn and Celery workers as subprocesses.

The environment is the production one the benchmarks use (`benchmarks/_stack.production_env`:
`DJANGO_ENV=production`, plain HTTP on loopback) pointed at the test's own database, Redis, bucket
and fake lab. Every process runs in its own session and is killed with its children on the way
out (`ProcessGroup.stop_all`), whatever happened in the test.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._stack import celery_worker_command, free_port, gunicorn_command, production_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1) -> bool:
    """Polls ``predicate`` until it is truthy or the deadline passes (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def stack_environment(workdir: Path, **overrides: str) -> dict[str, str]:
    """The production environment of every process of one deployment (same SECRET_KEY for all)."""
    env = production_env(workdir)
    for key in [k for k in env if k.startswith(("AWS_", "STORAGE_", "CELERY_"))]:
        del env[key]
    env.update(
        {
            "BENCHMARK_BARE_VIEW": "false",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(overrides)
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class ProcessGroup:
    """Starts processes of one deployment and stops all of them (``stop_all``)."""

    env: dict[str, str]
    logdir: Path
    processes: list[Process] = field(default_factory=list)

    def _spawn(self, name: str, command: list[str]) -> Process:
        log = self.logdir / f"{name}.log"
        with log.open("w") as sink:
            popen = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
                command,
                cwd=ROOT,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name=name, popen=popen, log=log)
        self.processes.append(process)
        return process

    def manage(self, *args: str) -> None:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")

    def web(self, name: str, *, workers: int = 2) -> Process:
        """gunicorn on a free port of 127.0.0.1 (sync workers, like the Procfile's web)."""
        port = free_port()
        process = self._spawn(
            name,
            gunicorn_command(
                port,
                workers=workers,
                extra=("--timeout", "120", "--access-logfile", "-", "--log-level", "info"),
            ),
        )
        process.url = f"http://127.0.0.1:{port}"
        return process

    def worker(self, name: str, *, concurrency: int = 1) -> Process:
        """A Celery worker named ``<name>@<host>`` (prefork, like the Procfile's worker)."""
        return self._spawn(name, celery_worker_command(concurrency=concurrency, name=name))

    def stop_all(self) -> None:
        """SIGTERM each process group, then SIGKILL what is still there; always reaps."""
        for process in self.processes:
            if process.alive():
                _signal_group(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes:
            remaining = max(deadline - time.monotonic(), 0.1)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=remaining)
            _signal_group(process.popen.pid, signal.SIGKILL)  # children left behind, if any
            if process.alive():
                process.popen.wait(timeout=30)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def worker_ready(process: Process) -> bool:
    return bool(re.search(r"\bready\.", process.output()))


def tasks_succeeded(process: Process, task: str, result: str) -> int:
    """How many times this worker logged ``task`` succeeding with ``result`` (Celery INFO log)."""
    pattern = re.compile(
        rf"Task {re.escape(task)}\[[^\]]+\] succeeded in [^:]+: '{re.escape(result)}'"
    )
    return len(pattern.findall(process.output()))
