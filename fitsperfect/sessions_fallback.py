"""Sessions in Redis (`fitsperfect.sessions`), kept in the database while Redis is unreachable.

A session lost between two requests loses a visitor's product choice or assessment answers, and a
per-process copy would be lost as soon as the next request reached another web process, so while
Redis is down (`fitsperfect.degraded`) sessions are read and written in the database table
Django's database sessions use. A session made there stays there until it ends, also once Redis is
back (a cache miss looks in the database: one indexed query, only for a cookie Redis does not
know). Expired database sessions are deleted by the daily `clear_expired_sessions` task.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

from . import degraded
from .sessions import SessionStore as RedisStore


class SessionStore(RedisStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = getattr(self._cache, "primary", self._cache)  # errors must reach us
        self._in_database = False

    def _save_in_database(self, must_create: bool) -> None:
        store = DatabaseStore(session_key=self.session_key)
        store._session_cache = self._get_session(no_load=must_create)  # noqa: SLF001
        if store.session_key is None:
            store.save()  # a new key, made by the database store
        else:  # a key Redis knew (or a new one from create()) is inserted, one of ours updated
            store.save(must_create=must_create or not self._in_database)
        self._session_key = store.session_key
        self._in_database = True

    def load(self) -> dict:
        if not degraded.is_down():
            try:
                data = self._cache.get(self.cache_key)
            except degraded.UNREACHABLE as error:
                degraded.unavailable("sessions", error)
            else:
                if data is not None:
                    return data
        store = DatabaseStore(session_key=self.session_key)
        data = store.load()
        if store.session_key is None:  # in neither place
            self._session_key = None
            return {}
        self._in_database = True
        return data

    def exists(self, session_key: str) -> bool:
        if not degraded.is_down():
            try:
                if super().exists(session_key):
                    return True
            except degraded.UNREACHABLE as error:
                degraded.unavailable("sessions", error)
        return DatabaseStore().exists(session_key)

    def save(self, must_create: bool = False) -> None:
        if not self._in_database and not degraded.is_down():
            try:
                return super().save(must_create=must_create)
            except degraded.UNREACHABLE as error:
                degraded.unavailable("sessions", error)
        self._save_in_database(must_create)
        return None

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        if not degraded.is_down():
            try:
                super().delete(session_key)
            except degraded.UNREACHABLE as error:
                degraded.unavailable("sessions", error)
        if key:
            DatabaseStore().delete(key)

    @classmethod
    def clear_expired(cls) -> None:
        DatabaseStore.clear_expired()
