"""Redis down for a web process: the site degrades instead of answering 500.

With Redis unreachable, the product page (the page cache's version lookup) and the scan upload (the
rate limiter's `cache.add`) raised `redis.ConnectionError`, so nobody could start a checkout.
`DegradingCache` wraps the configured cache backend (settings: `"BACKEND":
"fitsperfect.degraded.DegradingCache", "WRAPS": <the real backend>`): an operation that fails to
reach the server is answered by a small cache in this process instead, and for
`RETRY_SECONDS` every operation goes there straight away (no connection attempt per call). So while
Redis is down the page cache and the stored pages are per process, rate limits count per process
(each web process still limits), and content caches are per process. Sessions must not be per
process (the next request may reach another one): `fitsperfect.sessions_fallback` keeps them in
the database meanwhile.

`unavailable()` logs one warning per minute per process, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("fitsperfect.degraded")

# What "the server could not be reached" looks like (BusyLoadingError is a ConnectionError).
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_state = {"down_until": 0.0, "logged_at": float("-inf"), "suppressed": 0}


def is_down() -> bool:
    """Redis failed less than RETRY_SECONDS ago: do not try it again yet."""
    return time.monotonic() < _state["down_until"]


def unavailable(what: str, error: BaseException) -> None:
    """Notes a failed round trip; logs at most once per LOG_EVERY_SECONDS (per process)."""
    now = time.monotonic()
    with _lock:
        _state["down_until"] = now + RETRY_SECONDS
        if now - _state["logged_at"] < LOG_EVERY_SECONDS:
            _state["suppressed"] += 1
            return
        suppressed, _state["suppressed"], _state["logged_at"] = _state["suppressed"], 0, now
    logger.warning(
        "Redis unreachable (%s: %s, from %s): page cache and rate limits per process, sessions "
        "in the database, until it answers again (%d more failures since the last warning)",
        type(error).__name__,
        error,
        what,
        suppressed,
    )


def reset() -> None:
    """Forget an outage (tests)."""
    with _lock:
        _state.update(down_until=0.0, logged_at=float("-inf"), suppressed=0)


class DegradingCache:
    """A cache backend that answers from a per-process cache while the real one is unreachable.

    Every public method of the wrapped backend is available (including extras such as
    `set_existing`); `primary` is the wrapped backend itself, for callers that must not fall back
    (sessions).
    """

    def __init__(self, location: str, params: dict) -> None:
        params = dict(params)
        self.primary = import_string(params.pop("WRAPS"))(location, params)
        self.fallback = LocMemCache(
            f"degraded-{id(self)}",
            {
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "TIMEOUT": params.get("TIMEOUT", 300),
                "OPTIONS": {"MAX_ENTRIES": 2000},
            },
        )

    def __contains__(self, key) -> bool:  # dunder methods are not found through __getattr__
        return self.has_key(key)

    def __getattr__(self, name: str):
        target = getattr(self.primary, name)
        if name.startswith("_") or not callable(target):
            return target
        spare = getattr(self.fallback, name, None)

        def call(*args, **kwargs):
            if spare is not None and is_down():
                return spare(*args, **kwargs)
            try:
                return target(*args, **kwargs)
            except UNREACHABLE as error:
                if spare is None:
                    raise
                unavailable(f"cache.{name}", error)
                return spare(*args, **kwargs)

        return call
