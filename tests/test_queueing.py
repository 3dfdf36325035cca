"""Tasks are queued after commit, and a broker that is down never fails the request."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from fitsperfect.queueing import enqueue_on_commit

pytestmark = pytest.mark.django_db


class _Task:
    name = "tests.stub"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple] = []

    def apply_async(self, args, **options):
        if self.error:
            raise self.error
        self.calls.append((args, options))


def test_the_task_is_queued_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    task = _Task()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(task, 7, countdown=5)
        assert task.calls == []  # not before commit: the worker would not find the rows
    assert task.calls == [((7,), {"countdown": 5})]

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(task, 8)
        raise RuntimeError
    assert len(task.calls) == 1  # rolled back: nothing queued


def test_a_broker_that_is_down_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    task = _Task(ConnectionRefusedError("broker down"))
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(task, 42)
    assert "Could not queue tests.stub(42,)" in caplog.text


def test_an_erasure_request_survives_a_broker_that_is_down(
    client, django_user_model, django_capture_on_commit_callbacks, monkeypatch
):
    from fitsperfect.accounts import tasks
    from fitsperfect.models import ErasureRequest

    def down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.notify_erasure_request, "apply_async", down)
    client.force_login(django_user_model.objects.create_user("ivy", "ivy@example.com", "x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/delete-my-data/")
    assert response.status_code == 200 and b"We have your request" in response.content
    assert ErasureRequest.objects.filter(user__username="ivy", status="pending").exists()
