"""`/healthz/beat`: a beat that has not run its sweep for 5 minutes is reported (503), so
monitoring alerts before a hand-off left `sending` waits for the one-hour visibility timeout."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from fitsperfect.health import BEAT_SWEEP_KEY
from orders.lab.tasks import sweep_lab_submissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_broker(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # beat_state never contacts the broker


def test_no_sweep_yet_is_503(client, with_broker):
    response = client.get("/healthz/beat")
    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_sweep_records_a_heartbeat_and_five_quiet_minutes_are_503(client, with_broker):
    sweep_lab_submissions()
    response = client.get("/healthz/beat")
    assert response.status_code == 200
    assert response.json()["beat"]["last_sweep_seconds_ago"] <= 1
    cache.set(BEAT_SWEEP_KEY, time.time() - 299, timeout=None)
    assert client.get("/healthz/beat").status_code == 200
    cache.set(BEAT_SWEEP_KEY, time.time() - 301, timeout=None)  # beat stopped 5 minutes ago
    response = client.get("/healthz/beat")
    assert response.status_code == 503
    assert response.json()["beat"]["last_sweep_seconds_ago"] >= 301


def test_without_a_broker_beat_is_not_needed(client, settings):
    settings.CELERY_BROKER_URL = ""
    assert client.get("/healthz/beat").status_code == 200
