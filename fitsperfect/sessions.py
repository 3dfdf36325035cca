"""Sessions in the shared cache (Redis), started in one round trip.

Django's cache sessions ask the cache whether each new random key exists before storing the
session with `cache.add` (SET NX), which refuses a key that is taken anyway (and `create` then
tries another). The question costs a round trip per new visitor and guards nothing, so it is not
asked. Everything else is Django's `django.contrib.sessions.backends.cache`.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore


class SessionStore(CacheSessionStore):
    def _get_new_session_key(self) -> str:
        # 160 random bits in 40 lowercase hex digits (Django's keys: 32 of [a-z0-9], 165 bits),
        # in one call rather than 32.
        return secrets.token_hex(20)

    async def _aget_new_session_key(self) -> str:
        return secrets.token_hex(20)
