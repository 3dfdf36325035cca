"""Asking the lab when its webhooks stay away: the beat's poll applies the events we missed, once."""

from __future__ import annotations

import json

import pytest

from orders.lab import events as lab_events
from orders.lab.models import LabEvent, LabSubmission
from orders.lab.webhooks import WEBHOOK_SIGNATURE_HEADER, sign_lab_webhook
from orders.states import Status
from orders.tests.factories import make_ready_for_lab, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_the_lab(lab, django_capture_on_commit_callbacks):
    """An order the lab accepted (sent in-process), and its submission's id."""
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=True):
        make_ready_for_lab(order)
    submission = LabSubmission.objects.get(order=order)
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB and lab.accepted_count(str(submission.pk)) == 1
    return order, str(submission.pk)


def test_a_lost_shipped_webhook_is_found_by_the_poll_and_applied_once(
    lab, at_the_lab, client, settings
):
    order, key = at_the_lab
    lab.record_event(key, "in_production")
    shipped = lab.record_event(key, "shipped", carrier="Royal Mail", tracking_number="RM123GB")
    # Not quiet for long enough yet: nobody is asked.
    assert lab_events.lab_submissions_poll() == 0 and lab.poll_count(key) == 0

    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 2
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert (order.carrier, order.tracking_number) == ("Royal Mail", "RM123GB")
    assert LabEvent.objects.filter(submission_id=key, processed=True).count() == 2

    # Asked again, and the late webhook with the same event id: nothing happens twice.
    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 0  # no longer at the lab
    body = json.dumps(shipped).encode()
    response = client.post(
        "/webhooks/lab/",
        body,
        content_type="application/json",
        headers={WEBHOOK_SIGNATURE_HEADER: sign_lab_webhook(body, settings.LAB_WEBHOOK_SECRET)},
    )
    assert response.status_code == 200 and response.content == b"duplicate"
    assert order.status_changes.filter(to_status=Status.SHIPPED).count() == 1


def test_a_lab_that_does_not_answer_changes_nothing_and_is_asked_next_time(lab, at_the_lab):
    order, key = at_the_lab
    lab.record_event(key, "shipped", carrier="DPD", tracking_number="DPD9")
    lab.down_for(60)
    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 0
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB
    lab.up()
    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 1
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


def test_an_event_about_another_submission_is_ignored(lab, at_the_lab):
    order, key = at_the_lab
    with lab.lock:
        lab.events[key] = [
            {
                "id": "evt_other",
                "type": "shipped",
                "created_at": "2026-11-25T10:00:00Z",
                "data": {
                    "submission_id": "00000000-0000-0000-0000-000000000000",
                    "carrier": "X",
                    "tracking_number": "Y",
                },
            },
            {"id": "evt_broken", "type": "shipped"},
        ]
    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 0
    order.refresh_from_db()
    assert order.status == Status.SENT_TO_LAB and not LabEvent.objects.exists()


def test_the_drop_folder_has_nothing_to_ask(settings):
    settings.LAB_TRANSPORT = "folder"
    assert lab_events.lab_submissions_poll(quiet_for_seconds=0) == 0


def test_the_poll_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["orders-poll-lab"]
    assert entry["task"] == "orders.tasks.poll_lab" and entry["schedule"] > 0
    from fitsperfect.celery import app

    assert "orders.tasks.poll_lab" in app.tasks
