"""The lab hand-off: the outbox row, exactly-once delivery whatever fails, the sweep, admin resend.

The worker tests run a real Celery worker (`celery_worker`: Redis in CI) against the fake lab over
HTTP and end with the lab holding exactly one submission per order and nothing stuck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from benchmarks._stack import celery_worker_command
from conftest import IN_CI, _reset_broker_connections
from orders import fulfilment
from orders.clinic.tests.factories import add_prescription
from orders.lab import services as lab_services
from orders.lab.models import LabSubmission
from orders.models import Order
from orders.states import Status
from orders.tests.factories import (
    add_valid_scan,
    clinician_user,
    make_ready_for_lab,
    paid_order,
    seed_catalogue,
    staff_user,
)
from tests.processes import ROOT, wait_until

API_KEY = "test-lab-key"
S = LabSubmission.Status


def assert_delivered_exactly_once(lab, orders) -> None:
    """The end state every worker test must reach: one submission per order, nothing stuck."""
    for order in orders:
        submissions = list(LabSubmission.objects.filter(order=order))
        assert len(submissions) == 1, order.number
        submission = submissions[0]
        assert submission.status == S.SUBMITTED, (submission.status, submission.last_error)
        assert lab.accepted_count(str(submission.pk)) == 1
        assert submission.lab_reference == lab.reference_for(str(submission.pk))
        assert submission.acknowledged_at is not None
        order.refresh_from_db()
        assert order.status == Status.SENT_TO_LAB
        assert order.lab_reference == submission.lab_reference
    assert lab.accepted_count() == len(orders)
    assert not LabSubmission.objects.exclude(status=S.SUBMITTED).exists()


def _all_submitted(count: int):
    return lambda: LabSubmission.objects.filter(status=S.SUBMITTED).count() >= count


# --- The outbox row and its send (in-process tasks) ----------------------------------------------------


@pytest.mark.django_db
def test_the_outbox_row_is_written_in_the_approving_transaction_and_sent_after_commit(
    lab, django_capture_on_commit_callbacks
):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert order.status == Status.CLINICALLY_APPROVED
    assert submission.status == S.PENDING and submission.revision == 1
    assert lab.accepted_count() == 0  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert_delivered_exactly_once(lab, [order])
    received = lab.submissions[str(submission.pk)]
    assert received.manifest == submission.manifest
    assert received.manifest["customer_reference"].startswith("cust_")
    assert order.email not in str(received.manifest) and order.full_name not in str(
        received.manifest
    )
    assert set(received.files) == {"left_scan.stl", "right_scan.stl"}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_approval_leaves_no_outbox_row_and_sends_nothing(lab):
    order = paid_order()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ready_for_lab(order)
        raise RuntimeError("the approval fails after the row was written")
    assert not LabSubmission.objects.exists()
    assert lab.accepted_count() == 0
    assert Order.objects.get(pk=order.pk).status == Status.AWAITING_SCANS


@pytest.mark.django_db
def test_sending_again_after_success_sends_nothing(lab, django_capture_on_commit_callbacks):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    outcome = lab_services.lab_submission_send(submission_id=submission.pk)
    assert outcome.result == "already_submitted"
    assert lab.attempt_count(str(submission.pk)) == 1


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_with_the_same_key_and_counted(
    lab, django_capture_on_commit_callbacks
):
    lab.fail_next(2, status=503)
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert submission.attempts == 3
    assert lab.attempt_count(str(submission.pk)) == 3
    assert_delivered_exactly_once(lab, [order])


@pytest.mark.django_db
def test_our_attempt_counter_stops_a_lab_that_never_recovers(
    lab, settings, django_capture_on_commit_callbacks
):
    settings.LAB_MAX_ATTEMPTS = 3
    lab.fail_next(10, status=500)
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == S.FAILED and submission.attempts == 3
    assert "500" in submission.last_error
    assert lab.attempt_count(str(submission.pk)) == 3
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED and "500" in order.lab_error


@pytest.mark.django_db
def test_an_order_without_valid_scans_records_a_failed_row_and_keeps_the_approval(
    settings, django_capture_on_commit_callbacks
):
    settings.LAB_ALERT_EMAILS = ["ops@example.com", "lead@example.com"]
    order = paid_order()
    add_valid_scan(order, "left")
    add_prescription(order)
    fulfilment.order_approve_for_lab(order=order, actor=clinician_user())
    with django_capture_on_commit_callbacks(execute=True):
        submission = lab_services.lab_submission_create(order=order)
    assert submission.status == S.FAILED and "scan of each foot" in submission.last_error
    order.refresh_from_db()
    assert order.approved_for_lab_at is not None and order.lab_error
    alerts = [m for m in mail.outbox if m.subject.startswith("Lab submission failed")]
    assert [m.to for m in alerts] == [["ops@example.com", "lead@example.com"]]
    # Resending a row that never had a payload fails cleanly again (no crash, no stuck row).
    settings.LAB_ALERT_EMAILS = []  # nobody configured: nothing is sent, nothing breaks
    with django_capture_on_commit_callbacks(execute=True):
        assert lab_services.lab_submission_resend(submission=submission)
    submission.refresh_from_db()
    assert submission.status == S.FAILED and "incomplete" in submission.last_error
    assert len([m for m in mail.outbox if m.subject.startswith("Lab submission failed")]) == 1


@pytest.mark.django_db
def test_the_sweep_sends_rows_whose_enqueue_was_lost(lab, django_capture_on_commit_callbacks):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=False):
        make_ready_for_lab(order)  # the on-commit enqueue never runs: a lost message
    submission = LabSubmission.objects.get(order=order)
    assert lab_services.lab_submissions_stale() == []  # not stale yet
    LabSubmission.objects.filter(pk=submission.pk).update(
        updated_at=timezone.now() - timedelta(minutes=10)
    )
    from orders.lab.tasks import sweep_lab_submissions

    assert sweep_lab_submissions.delay().get() == 1
    assert_delivered_exactly_once(lab, [order])
    assert sweep_lab_submissions.delay().get() == 0


def test_the_sweep_is_on_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["orders-sweep-lab-submissions"]
    assert schedule["task"] == "orders.tasks.sweep_lab_submissions"
    assert schedule["schedule"] <= 120
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        > settings.LAB_RETRY_BACKOFF_MAX_SECONDS * 2
    )
    from orders.lab.tasks import send_lab_submission

    assert send_lab_submission.acks_late and send_lab_submission.reject_on_worker_lost
    assert send_lab_submission.ignore_result


# --- 4xx: FAILED in admin, then "resend" delivers it once ------------------------------------------


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.mark.django_db
def test_a_4xx_fails_shows_in_admin_and_resend_delivers_it_once(
    lab, staff, client, django_capture_on_commit_callbacks
):
    lab.reject_next(422, "left_scan.stl: unsupported scanner export")
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == S.FAILED and submission.attempts == 1
    assert "unsupported scanner export" in submission.last_error
    assert lab.accepted_count() == 0
    # The lab team is told at once, with the order number and the error, without customer details.
    alerts = [m for m in mail.outbox if m.subject.startswith("Lab submission failed")]
    assert len(alerts) == 1 and alerts[0].to == ["lab-ops@fitsperfect.example"]
    assert order.number in alerts[0].subject and "unsupported scanner export" in alerts[0].body
    assert f"/admin/lab/labsubmission/{submission.pk}/change/" in alerts[0].body
    assert order.email not in alerts[0].body and order.full_name not in alerts[0].body

    client.force_login(staff)
    changelist = reverse("admin:lab_labsubmission_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert "unsupported scanner export" in page.content.decode()

    for _press in range(2):  # pressing twice is safe
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                changelist,
                {"action": "action_resend", "_selected_action": [str(submission.pk)]},
                follow=True,
            )
        assert response.status_code == 200
    submission.refresh_from_db()
    assert_delivered_exactly_once(lab, [order])
    assert lab.attempt_count(str(submission.pk)) == 2  # the refused one and the resend
    assert len([m for m in mail.outbox if m.subject.startswith("Lab submission failed")]) == 1


# --- A real worker against the fake lab over HTTP ---------------------------------------------------


@pytest.fixture
def worker_lab(lab, celery_worker, settings):
    # SQLite's shared-cache test database answers "table is locked" (no waiting) when the worker
    # thread writes while the test thread reads, so these run on PostgreSQL (always, in CI).
    _needs(settings, postgres=True)
    seed_catalogue()
    return lab


@pytest.mark.worker
def test_worker_lab_answers_500_three_times_then_ok(worker_lab):
    worker_lab.fail_next(3, status=500)
    order = paid_order()
    make_ready_for_lab(order)
    assert wait_until(_all_submitted(1), timeout=90)
    assert_delivered_exactly_once(worker_lab, [order])
    submission = LabSubmission.objects.get(order=order)
    assert submission.attempts == 4 and worker_lab.attempt_count(str(submission.pk)) == 4


@pytest.mark.worker
def test_worker_lab_accepts_but_the_connection_drops_before_the_reply(worker_lab):
    worker_lab.drop_next(1)
    order = paid_order()
    make_ready_for_lab(order)
    assert wait_until(_all_submitted(1), timeout=90)
    assert_delivered_exactly_once(worker_lab, [order])
    submission = LabSubmission.objects.get(order=order)
    assert worker_lab.attempt_count(str(submission.pk)) == 2  # the retry was a duplicate


@pytest.mark.worker
def test_worker_lab_down_for_a_while_then_back(worker_lab):
    worker_lab.down_for(3.0)
    order = paid_order()
    make_ready_for_lab(order)
    assert wait_until(_all_submitted(1), timeout=120)
    assert_delivered_exactly_once(worker_lab, [order])
    assert LabSubmission.objects.get(order=order).attempts >= 2


@pytest.mark.worker
def test_worker_fifty_orders_ready_at_once(worker_lab):
    orders = [paid_order(email=f"buyer{n}@example.com") for n in range(50)]
    with transaction.atomic():
        for order in orders:
            make_ready_for_lab(order, size=1024)
    assert wait_until(_all_submitted(50), timeout=240)
    assert_delivered_exactly_once(worker_lab, orders)


def _needs(settings, *, postgres: bool = False, redis: bool = False) -> None:
    missing = []
    if redis and not settings.CELERY_BROKER_URL.startswith("redis"):
        missing.append("REDIS_URL (a Redis broker)")
    if postgres and connection.vendor != "postgresql":
        missing.append("DATABASE_URL (PostgreSQL)")
    if missing:
        message = "This test needs " + " and ".join(missing) + "; CI always has them."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.worker
def test_worker_redis_unreachable_at_commit_then_the_sweep_sends_it(worker_lab, settings):
    _needs(settings, redis=True)
    from fitsperfect.celery import app

    order = paid_order()
    working = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens: the on-commit publish fails
    _reset_broker_connections(app)
    try:
        make_ready_for_lab(order)  # commits; the enqueue fails and is only logged
    finally:
        app.conf.broker_url = working
        _reset_broker_connections(app)
    submission = LabSubmission.objects.get(order=order)
    assert submission.status == S.PENDING
    time.sleep(0.5)  # not an assertion: gives a (wrongly) published task the chance to show up
    assert worker_lab.accepted_count() == 0

    assert lab_services.lab_submissions_sweep(older_than_seconds=0) == 1
    assert wait_until(_all_submitted(1), timeout=90)
    assert_delivered_exactly_once(worker_lab, [order])


# --- SIGKILL mid-send: a real prefork worker in a subprocess ---------------------------------------


def _worker_process(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        celery_worker_command(concurrency=1, name=name, loglevel="WARNING"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_sigkilled_mid_send_and_a_new_worker_finishes(lab, settings):
    _needs(settings, postgres=True, redis=True)
    from fitsperfect.celery import app

    seed_catalogue()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@"
            f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LAB_TRANSPORT": "http",
        "LAB_API_URL": lab.url,
        "LAB_API_KEY": API_KEY,
        "LAB_TIMEOUT_SECONDS": "30",
        "LAB_RETRY_BACKOFF_SECONDS": "0.5",
        "LAB_RETRY_BACKOFF_MAX_SECONDS": "2",
        "LAB_BUSY_RETRY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    app.conf.task_always_eager = False  # this test publishes to Redis for the subprocess workers
    _reset_broker_connections(app)
    app.control.purge()
    lab.delay = 5.0  # slow enough that the kill lands while the child waits for the lab
    first = _worker_process(env, "doomed")
    second = None
    try:
        order = paid_order()
        make_ready_for_lab(order)
        submission = LabSubmission.objects.get(order=order)
        key = str(submission.pk)
        assert wait_until(lambda: lab.attempt_count(key) >= 1, timeout=120), "no send started"
        children = _children(first.pid)
        assert children, "the prefork worker has no child process"
        for child in children:
            os.kill(child, signal.SIGKILL)  # the child dies mid-send
        os.killpg(first.pid, signal.SIGKILL)  # and the whole worker with it
        first.wait(timeout=30)
        lab.delay = 0.0
        submission.refresh_from_db()
        assert submission.status == S.SENDING and submission.attempts == 1

        second = _worker_process(env, "rescuer")
        lab_services.lab_submissions_sweep(older_than_seconds=0)
        assert wait_until(_all_submitted(1), timeout=180, interval=0.2)
        assert_delivered_exactly_once(lab, [order])
        submission.refresh_from_db()
        assert submission.attempts == 2  # the killed attempt counted
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
        app.control.purge()
        _reset_broker_connections(app)


@pytest.mark.django_db
def test_the_order_admin_shows_scans_with_preview_measurements_and_the_submission(
    client, staff, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    client.force_login(staff)
    with django_assert_max_num_queries(40):
        page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Length 262 mm" in text and "ball 102 mm" in text
    assert "left.stl" in text and "submitted" in text.lower()


@pytest.mark.django_db
def test_the_stuck_filter_finds_rows_without_progress(client, staff):
    order = paid_order()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("orders.lab.services.enqueue_send_on_commit", lambda key: None)
        make_ready_for_lab(order)
    client.force_login(staff)
    url = reverse("admin:lab_labsubmission_changelist")
    assert order.number not in client.get(url, {"attention": "stuck"}).content.decode()
    LabSubmission.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    assert order.number in client.get(url, {"attention": "stuck"}).content.decode()
