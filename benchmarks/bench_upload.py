"""Streams a (just under) 150 MB scan upload through a real gunicorn worker to the scan page and prints
the worker's peak memory growth while it handles it. Target: under 30 MB (the body is streamed to a
temporary file in 256 KB chunks, never held). Then a 200 MB upload against the 150 MB cap: how much
the client got to send before the server refused it, and that nothing is left on disk.

Self-contained: SQLite in a temporary directory, tasks published to an in-memory broker (the
validation task is not run: this measures the upload path only).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._stack import free_port, gunicorn_command, stop_process  # noqa: E402

MB = 1024 * 1024
TARGET_MB = 30
CAP = 150 * MB


class GeneratedBody:
    """A multipart body made on the fly (never in memory), with a length for Content-Length."""

    def __init__(self, boundary: bytes, field: str, filename: str, size: int, token: str) -> None:
        self.head = (
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
            b"\r\n\r\n" + token.encode() + b"\r\n--" + boundary + b"\r\n"
            b'Content-Disposition: form-data; name="'
            + field.encode()
            + b'"; filename="'
            + filename.encode()
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self.tail = b"\r\n--" + boundary + b"--\r\n"
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.sent = 0
        self._block = os.urandom(256 * 1024)

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        yield self.head
        self.sent += len(self.head)
        left = self.size
        while left:
            piece = self._block[: min(left, len(self._block))]
            left -= len(piece)
            self.sent += len(piece)
            yield piece
        self.sent += len(self.tail)
        yield self.tail


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) * 1024
    return values


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fp-bench-upload-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "private"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "fitsperfect.settings",
        "TMPDIR": str(work / "tmp"),
    }
    (work / "tmp").mkdir()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    token = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from orders.tests.factories import paid_order; print(paid_order().access_token)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command(port, workers=1, extra=("--timeout", "300")),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/orders/{token}/scans/"
    try:
        session = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                session.get(url, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for _ in range(3):  # warm up imports, templates and the database connection
            session.get(url, timeout=30)
        csrf = session.cookies["csrftoken"]
        [worker] = _children(server.pid)
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
        before = _status(worker)
        samples = [before["VmRSS"]]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(_status(worker)["VmRSS"])
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        size = CAP - MB  # just under the cap: stored
        body = GeneratedBody(b"fp-bench", "left_scan", "big.stl", size, csrf)
        headers = {
            "Content-Type": "multipart/form-data; boundary=fp-bench",
            "X-CSRFToken": csrf,
            "Referer": url,
            "Accept": "application/json",
        }
        started = time.monotonic()
        response = session.post(url, data=body, headers=headers, timeout=300)
        elapsed = time.monotonic() - started
        stop.set()
        sampler.join()
        after = _status(worker)
        growth = max(after["VmHWM"], max(samples)) - before["VmRSS"]
        stored = [p for p in (work / "private").rglob("*") if p.is_file()]
        print(
            f"upload                 : {size / MB:.0f} MB in {elapsed:.1f} s "
            f"({size / MB / elapsed:.0f} MB/s), HTTP {response.status_code}"
        )
        print(
            f"stored                 : {len(stored)} file(s), "
            f"{sum(p.stat().st_size for p in stored) / MB:.0f} MB"
        )
        print(f"worker RSS before      : {before['VmRSS'] / MB:.1f} MB")
        print(f"worker peak RSS growth : {growth / MB:.1f} MB (target < {TARGET_MB} MB)")

        # Over the cap: the handler stops at 150 MB, deletes what it wrote, gunicorn hangs up.
        leftovers_before = set(glob.glob(str(work / "tmp" / "scan-*")))
        body = GeneratedBody(b"fp-bench", "right_scan", "huge.stl", 200 * MB, csrf)
        started = time.monotonic()
        try:
            over = session.post(url, data=body, headers=headers, timeout=300)
            outcome = f"HTTP {over.status_code}"
        except requests.ConnectionError as error:
            outcome = f"connection closed by the server ({type(error).__name__})"
        print(
            f"200 MB over the cap    : {outcome} after the client sent "
            f"{body.sent / MB:.0f} of {body.length / MB:.0f} MB "
            f"in {time.monotonic() - started:.1f} s"
        )
        leftovers = set(glob.glob(str(work / "tmp" / "scan-*"))) - leftovers_before
        stored_after = [p for p in (work / "private").rglob("*") if p.is_file()]
        print(
            f"left on disk           : {len(leftovers)} temporary file(s); "
            f"stored files {len(stored)} -> {len(stored_after)}"
        )
        ok = growth < TARGET_MB * MB and response.status_code == 200 and not leftovers
        print("PASS" if ok else "BELOW TARGET")
        return 0 if ok else 1
    finally:
        stop_process(server, timeout=30)


if __name__ == "__main__":
    sys.exit(main())
