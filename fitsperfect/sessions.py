"""Sessions in the shared cache (Redis), each write in one round trip.

Django's cache sessions ask the cache whether each new random key exists before storing the
session with `cache.add` (SET NX), which refuses a key that is taken anyway (and `create` then
tries another). The question costs a round trip per new visitor and guards nothing, so it is not
asked. Saving a changed session likewise asks whether it still exists (it may have been ended
meanwhile, by signing out elsewhere) and then writes it: two round trips with a gap between them.
With Redis that is one `SET ... XX`, which writes only if the key is there, atomically. Everything
else is Django's `django.contrib.sessions.backends.cache`.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore


class SessionStore(CacheSessionStore):
    def _get_new_session_key(self) -> str:
        # 160 random bits in 40 lowercase hex digits (Django's keys: 32 of [a-z0-9], 165 bits),
        # in one call rather than 32.
        return secrets.token_hex(20)

    async def _aget_new_session_key(self) -> str:
        return secrets.token_hex(20)

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        # The cache is fitsperfect.cache.RedisCache: settings choose this engine only with Redis.
        if not self._cache.set_existing(self.cache_key, self._get_session(), self.get_expiry_age()):
            raise UpdateError  # ended meanwhile: SessionMiddleware answers SessionInterrupted
        return None
