"""Sessions: one Redis round trip per write, no write to a session ended meanwhile, and expired
database sessions (which can hold a visitor's unsent answers) cleared daily."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone


@pytest.fixture
def redis_sessions(settings):
    if not settings.REDIS_URL:
        pytest.skip("Sessions are in Redis only when REDIS_URL is set (CI always sets it).")
    from fitsperfect.sessions import SessionStore

    return SessionStore


@pytest.fixture
def redis_commands(monkeypatch):
    """The commands sent to Redis, by name."""
    import redis

    sent: list[str] = []
    real = redis.Redis.execute_command

    def record(self, *args, **options):
        sent.append(str(args[0]).upper())
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", record)
    return sent


def test_a_changed_session_is_written_in_one_round_trip(redis_sessions, redis_commands):
    session = redis_sessions()
    session["answers"] = {"about": {"age": 40}}
    session.create()
    again = redis_sessions(session.session_key)
    assert again["answers"] == {"about": {"age": 40}}
    redis_commands.clear()
    again["answers"] = {"about": {"age": 41}}
    again.save()
    assert redis_commands == ["SET"]  # no "does it still exist?" GET first
    assert redis_sessions(session.session_key)["answers"] == {"about": {"age": 41}}


def test_a_session_ended_meanwhile_is_not_brought_back(redis_sessions):
    session = redis_sessions()
    session["k"] = "v"
    session.create()
    open_in_another_tab = redis_sessions(session.session_key)
    open_in_another_tab["k"] = "changed"
    redis_sessions(session.session_key).delete()  # signed out elsewhere
    with pytest.raises(UpdateError):
        open_in_another_tab.save()
    assert not redis_sessions(session.session_key).exists(session.session_key)


def test_a_request_whose_session_ended_meanwhile_is_refused(client, redis_sessions, monkeypatch):
    """Django's middleware turns the failed write into SessionInterrupted (400), as it does for
    its own cache sessions."""
    from assessments.consent import consent_give

    session = client.session
    consent_give(session)
    session.save()
    real_save = redis_sessions.save

    def ended_first(self, must_create=False):
        redis_sessions(self.session_key).delete()
        return real_save(self, must_create=must_create)

    monkeypatch.setattr(redis_sessions, "save", ended_first)
    response = client.post("/assessment/questions/about-you/", {"age": "40", "sex": "female"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_expired_database_sessions_are_cleared_daily(settings):
    from fitsperfect.tasks import clear_expired_sessions

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    engine = import_module(settings.SESSION_ENGINE).SessionStore
    expired, current = engine(), engine()
    for session in (expired, current):
        session["assessment_answers"] = {"about": {"age": 40}}
        session.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
    assert "sessions-clear-expired" in settings.CELERY_BEAT_SCHEDULE
