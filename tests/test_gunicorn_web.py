"""The Procfile's web process, started exactly as the Procfile says: what its access log writes and
how much of an over-size body it reads before its 413.

The `web:` line is read from the Procfile and run through the shell (PORT and WEB_CONCURRENCY set),
against the test database (PostgreSQL: the process is another one, it cannot see SQLite's
in-memory test database). Development settings with DEBUG off, so no collectstatic is needed.
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from benchmarks._stack import free_port, stop_process
from conftest import IN_CI
from tests.processes import BIN, ROOT, database_url, wait_until

MB = 1024 * 1024
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"  # shaped like an order/result token


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("no web: line in the Procfile")


@pytest.fixture(scope="module")
def _started():
    """The module's one web process (each start costs seconds), stopped after its last test."""
    state: dict = {}
    yield state
    if "process" in state:
        stop_process(state["process"], timeout=15)


@pytest.fixture
def web(transactional_db, _started, tmp_path_factory):
    if connection.vendor != "postgresql":
        message = "The gunicorn tests need PostgreSQL (DATABASE_URL); CI always has it."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    if "process" not in _started:
        _started.update(_start(connection.settings_dict, tmp_path_factory.mktemp("web")))
    return _started["url"], _started["log"]


def _start(settings_dict: dict, tmp_path: Path) -> dict:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "STRIPE_"))
    }
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DJANGO_SETTINGS_MODULE="fitsperfect.settings",
        DEBUG="false",
        DATABASE_URL=database_url(settings_dict),
        CONN_MAX_AGE="0",
        MEDIA_ROOT=str(tmp_path / "private"),
        FILE_UPLOAD_TEMP_DIR=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "web.log"
    with log.open("w") as sink:
        process = subprocess.Popen(  # noqa: S603 - the Procfile's own command line
            ["bash", "-c", "exec " + _procfile_web()],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    if not wait_until(lambda: _answers(url), timeout=60, interval=0.2):
        stop_process(process, timeout=15)
        raise AssertionError(log.read_text()[-3000:])
    return {"process": process, "url": url, "log": log}


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _log_has(log: Path, text: str) -> bool:
    return text in log.read_text(errors="replace")


# --- Bearer tokens in the access log ------------------------------------------------------------------


def test_the_access_log_masks_order_and_result_tokens_like_the_app_log(web):
    url, log = web
    paths = [
        f"/orders/{TOKEN}/",
        f"/orders/{TOKEN}/scans/",
        f"/assessment/result/{TOKEN}/",
        f"/checkout/test-payment/{TOKEN}/",
    ]
    for path in paths:
        requests.get(url + path + "?checkout=success", headers={"Referer": url + path}, timeout=10)
    assert wait_until(lambda: log.read_text().count('"GET ') >= len(paths), timeout=10)
    output = log.read_text(errors="replace")
    assert TOKEN not in output, output[-2000:]
    for masked in ("/orders/[token]/", "/orders/[token]/scans/", "/assessment/result/[token]/"):
        assert re.search(rf'"GET {re.escape(masked)}\?checkout=success HTTP/1.1" 404', output), (
            output[-2000:]
        )
    assert f'"{url}/orders/[token]/scans/"' in output  # the Referer field too


# --- Request bodies capped by route ----------------------------------------------------------------------


def _body_sent_before_answer(url: str, path: str, declared: int, *, chunk: int = 64 * 1024):
    """POSTs a multipart body declared `declared` bytes long, sent in chunks; stops at the first
    byte of an answer. Returns (status, body bytes sent before the answer was readable)."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Content-Type: multipart/form-data; boundary=fp-boundary\r\n"
                f"Content-Length: {declared}\r\nCookie: csrftoken=x\r\n\r\n"
            ).encode()
        )
        block = b"x" * chunk
        deadline = time.monotonic() + 60
        while sent < declared and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0.05 if sent else 1.0)
            if readable:
                break
            try:
                sock.sendall(block)
            except OSError:  # the server closed the connection: the answer is waiting
                break
            sent += len(block)
        answer = sock.recv(65536).decode("latin-1")
    status = int(answer.split(" ", 2)[1])
    return status, sent


@pytest.mark.parametrize(
    ("path", "declared"),
    [
        ("/articles/newsletter/", 1024 * MB),  # the probe's 1 GiB newsletter POST
        ("/accounts/login/", 64 * MB),
        ("/checkout/", 64 * MB),
        ("/assessment/questions/photos/", 200 * MB),  # a 200 MB "photo"
        (f"/orders/{TOKEN}/scans/", 1024 * MB),  # over even the scan page's cap (341 MB)
    ],
)
def test_an_over_size_body_is_a_413_before_any_of_it_is_read(web, path, declared):
    url, _log = web
    status, sent = _body_sent_before_answer(url, path, declared)
    assert status == 413
    # The answer came from the headers alone: not one body byte had been sent when it arrived.
    assert sent == 0, f"{sent} body bytes were sent before the 413"


def test_bodies_under_the_route_cap_are_read_as_before(web):
    url, _log = web
    small = requests.post(url + "/articles/newsletter/", data={"email": "x"}, timeout=10)
    assert small.status_code in (400, 403)  # read and parsed: refused by the CSRF check
    status, _sent = _body_sent_before_answer(url, f"/orders/{TOKEN}/scans/", 400 * MB)
    assert status == 413  # over even the scan page's cap (2 x 150 MB scans + 2 x 20 MB photos)
    status, _sent = _body_sent_before_answer(url, f"/orders/{TOKEN}/scans/", 300 * MB)
    assert status not in (413, 500)  # under it: left to the view (here: CSRF, unknown order)
