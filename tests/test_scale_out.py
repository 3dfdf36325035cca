"""Scaling out: two web processes and two Celery workers share one PostgreSQL, one Redis and one S3
bucket, and nothing a customer does depends on which process answers.

Real processes throughout: gunicorn twice (production settings, as `benchmarks/_stack.py` runs
them) on two ports, two prefork Celery workers (`w1@…`, `w2@…`), the test database pytest-django
created (`transactional_db`, so the subprocesses see committed rows), Redis as broker, cache and
rate-limit store, moto's S3 server as the shared private storage and the fake lab over HTTP. The
client is one `requests.Session`: cookies belong to the host, not the port, so the same cookies
go to both web processes, as they would behind one proxy. It sends `X-Forwarded-Proto: https` as
the TLS proxy would, so production's Secure cookies and CSRF origin checks are the real ones.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection

from conftest import IN_CI, _reset_broker_connections
from orders.lab.models import LabSubmission
from orders.scans.models import Scan
from orders.tests.factories import make_ready_for_lab, paid_order, seed_catalogue
from orders.tests.foot_meshes import foot_mesh
from tests.fakes.lab import fake_lab
from tests.processes import (
    BIN,
    ProcessGroup,
    database_url,
    stack_environment,
    tasks_succeeded,
    wait_until,
    worker_ready,
)

pytestmark = [pytest.mark.worker]

LAB_KEY = "scale-out-lab-key"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LAB_ORDERS = 6


def _require_services(settings) -> None:
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL (PostgreSQL)")
    if not (settings.CELERY_BROKER_URL or "").startswith("redis"):
        missing.append("REDIS_URL (Redis)")
    if not (BIN / "gunicorn").exists():
        missing.append(f"gunicorn in {BIN}")
    if missing:
        message = "The scale-out test needs " + " and ".join(missing) + "; CI always has them."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def deployment(transactional_db, settings, s3_storage):
    """Two gunicorn web processes and two Celery workers of one deployment, plus the fake lab.

    Yields (web1, web2, w1, w2, lab, group); every subprocess is stopped on the way out, also when
    the test fails, and this test's process publishes to the same Redis.
    """
    _require_services(settings)
    from fitsperfect.celery import app

    seed_catalogue()
    workdir = Path(tempfile.mkdtemp(prefix="fp-scale-"))
    group = None
    previous_eager = app.conf.task_always_eager
    with fake_lab(LAB_KEY) as lab:
        try:
            env = stack_environment(
                workdir,
                DATABASE_URL=database_url(connection.settings_dict),
                REDIS_URL=settings.CELERY_BROKER_URL,
                CACHE_KEY_PREFIX=f"scale-{workdir.name}",
                LAB_TRANSPORT="http",
                LAB_API_URL=lab.url,
                LAB_API_KEY=LAB_KEY,
                LAB_RETRY_BACKOFF_SECONDS="0.5",
                LAB_RETRY_BACKOFF_MAX_SECONDS="2",
                LAB_BUSY_RETRY_SECONDS="1",
                **s3_storage.environ(),
            )
            group = ProcessGroup(env=env, logdir=workdir)
            group.manage("collectstatic", "--noinput", "-v", "0")  # whitenoise's manifest
            app.conf.task_always_eager = False  # this process publishes to Redis too
            _reset_broker_connections(app)
            app.control.purge()
            web1, web2 = group.web("web1"), group.web("web2")
            w1, w2 = group.worker("w1"), group.worker("w2")
            for web in (web1, web2):
                assert wait_until(lambda web=web: _healthy(web.url), timeout=90), web.output()[
                    -3000:
                ]
            for worker in (w1, w2):
                assert wait_until(lambda worker=worker: worker_ready(worker), timeout=90), (
                    worker.output()[-3000:]
                )
            yield web1, web2, w1, w2, lab, group
        finally:
            if group is not None:
                group.stop_all()
            app.conf.task_always_eager = previous_eager
            app.control.purge()
            _reset_broker_connections(app)
            shutil.rmtree(workdir, ignore_errors=True)


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


class Browser:
    """One customer's requests.Session talking to any of the web processes, as through a proxy."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["X-Forwarded-Proto"] = "https"

    def _keep_cookies(self, response: requests.Response) -> requests.Response:
        # Cookies are per host, so both ports get them. Production marks them Secure and the
        # client only sends those over HTTPS; the TLS hop is simulated (X-Forwarded-Proto), so
        # they are sent over loopback HTTP as a browser would send them through the proxy.
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, base: str, path: str, **kwargs) -> requests.Response:
        response = self.session.get(base + path, timeout=60, allow_redirects=False, **kwargs)
        return self._keep_cookies(response)

    def post_form(self, base: str, path: str, data: dict, *, files=None) -> requests.Response:
        """GETs the form from ``base`` for its CSRF token, then POSTs it there like a browser."""
        page = self.get(base, path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        token = CSRF.search(page.text)
        assert token, f"no CSRF token on {path}"
        origin = "https://" + urlsplit(base).netloc
        response = self.session.post(
            base + path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            files=files,
            headers={"Origin": origin, "Referer": origin + path},
            timeout=120,
            allow_redirects=False,
        )
        return self._keep_cookies(response)


def test_two_web_processes_and_two_workers_share_sessions_files_and_work(
    deployment, s3_storage, django_user_model
):
    from assessments.tests.steps import STEP_DATA

    web1, web2, w1, w2, lab, group = deployment

    # 1. An assessment started on web 1 continues on web 2 (progress is in the shared sessions).
    customer = Browser()
    about = STEP_DATA["about-you"]
    asked = customer.get(web1.url, "/assessment/questions/about-you/")
    if asked.status_code == 302:  # health-data consent first, where the site asks for it
        consent_path = urlsplit(asked.headers["Location"]).path
        given = customer.post_form(web1.url, consent_path, {"agree": "on"})
        assert given.status_code == 302, given.text[:1000]
    first = customer.post_form(web1.url, "/assessment/questions/about-you/", about)
    assert first.status_code == 302, first.text[:1000]
    assert first.headers["Location"].endswith("/assessment/questions/your-pain/")
    assert "sessionid" in customer.session.cookies
    page = customer.get(web2.url, "/assessment/questions/about-you/")
    assert page.status_code == 200
    assert re.search(
        r'name="height_cm"[^>]*value="165"|value="165"[^>]*name="height_cm"', page.text
    )
    second = customer.post_form(
        web2.url, "/assessment/questions/your-pain/", STEP_DATA["your-pain"]
    )
    assert second.status_code == 302 and second.headers["Location"].endswith("/health-check/")
    back_on_web1 = customer.get(web1.url, "/assessment/questions/your-pain/")
    assert back_on_web1.status_code == 200 and 'value="hip"' in back_on_web1.text
    assert re.search(r'value="hip"[^>]*checked', back_on_web1.text)

    # 2. Signed in on web 1 is signed in on web 2.
    django_user_model.objects.create_user("scaler", "scaler@example.com", "a-long-pass-4242")
    stranger = Browser()
    assert stranger.get(web2.url, "/account/").status_code == 302  # not signed in
    signed_in = stranger.post_form(
        web1.url, "/accounts/login/", {"username": "scaler", "password": "a-long-pass-4242"}
    )
    assert signed_in.status_code == 302, signed_in.text[:1000]
    account = stranger.get(web2.url, "/account/")
    assert account.status_code == 200 and "scaler" in account.text

    # 3. Scans posted to web 1 are validated by a worker and previewed through web 2.
    order = paid_order(email="scale@example.com")
    left = foot_mesh(mirror=True, rotate_seed=11).export(file_type="stl")
    right = foot_mesh().export(file_type="stl")
    uploaded = customer.post_form(
        web1.url,
        f"/orders/{order.access_token}/scans/",
        {},
        files={
            "left_scan": ("left.stl", left, "model/stl"),
            "right_scan": ("right.stl", right, "model/stl"),
        },
    )
    assert uploaded.status_code == 302, uploaded.text[:1000]

    def both_valid() -> bool:
        status = customer.get(web2.url, f"/orders/{order.access_token}/scans/status/").json()
        scans = status["scans"]
        return not status["checking"] and {s.get("status") for s in scans.values()} == {"valid"}

    assert wait_until(both_valid, timeout=180, interval=0.3), (w1.output() + w2.output())[-4000:]
    scans = {scan.side: scan for scan in Scan.objects.filter(order=order)}
    for side, content in (("left", left), ("right", right)):
        assert s3_storage.read(scans[side].file.name) == content  # in the shared bucket
    preview = customer.get(
        web2.url, f"/orders/{order.access_token}/scans/{scans['left'].pk}/preview.png"
    )
    assert preview.status_code == 302
    assert preview.headers["Location"].startswith(f"{s3_storage.endpoint}/{s3_storage.name}/")
    image = requests.get(preview.headers["Location"], timeout=30)
    assert image.status_code == 200 and image.content[:8] == PNG_MAGIC
    assert image.content == s3_storage.read(scans["left"].preview.name)
    other = Browser().get(web1.url, f"/orders/{'x' * 43}/scans/{scans['left'].pk}/preview.png")
    assert other.status_code == 404 and "Location" not in other.headers
    validated = sum(tasks_succeeded(w, "orders.tasks.validate_scan", "valid") for w in (w1, w2))
    assert validated == 2

    # 4. Lab submissions of several orders: sent by the workers, exactly once per order.
    lab.delay = 0.5  # each send holds its worker (concurrency 1, prefetch 1) for a while
    orders = [paid_order(email=f"lab{n}@example.com") for n in range(LAB_ORDERS)]
    for each in orders:
        make_ready_for_lab(each, size=2048)  # commits; the send is published to Redis
    assert wait_until(
        lambda: (
            LabSubmission.objects.filter(status=LabSubmission.Status.SUBMITTED).count()
            >= LAB_ORDERS
        ),
        timeout=180,
        interval=0.3,
    ), (w1.output() + w2.output())[-4000:]
    for each in orders:
        submission = LabSubmission.objects.get(order=each)
        key = str(submission.pk)
        assert submission.status == LabSubmission.Status.SUBMITTED
        assert lab.accepted_count(key) == 1 and lab.attempt_count(key) == 1  # exactly once
        stored = {
            f"{s.side}_scan.stl": hashlib.sha256(s3_storage.read(s.file.name)).hexdigest()
            for s in Scan.objects.filter(order=each)
        }
        assert lab.submissions[key].files == stored  # read from the shared bucket
    assert lab.accepted_count() == LAB_ORDERS

    def sent_by() -> dict[str, int]:
        return {
            w.name: tasks_succeeded(w, "orders.tasks.send_lab_submission", "submitted")
            for w in (w1, w2)
        }

    # The success lines are logged right after the rows commit: poll for them.
    assert wait_until(lambda: sum(sent_by().values()) == LAB_ORDERS, timeout=30), sent_by()
    counts = sent_by()
    print(f"lab submissions sent per worker: {counts}")  # shown with -rP
    # Each worker holds one send at a time while the lab takes 0.5 s, so both took part.
    assert counts["w1"] >= 1 and counts["w2"] >= 1, counts

    # 5. Nothing was written to a web process's or worker's local disk: the bucket is the store.
    local = Path(group.env["MEDIA_ROOT"])
    assert not local.exists() or not [p for p in local.rglob("*") if p.is_file()]
    assert all(p.alive() for p in group.processes), [
        p.name for p in group.processes if not p.alive()
    ]
    assert not LabSubmission.objects.exclude(status=LabSubmission.Status.SUBMITTED).exists()
