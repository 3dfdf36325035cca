"""One version number for all article caches: any article or topic change bumps it."""

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "content:version"


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): start a fresh series
        cache.add(VERSION_KEY, 1, timeout=None)
        cache.incr(VERSION_KEY)


def invalidate_content_cache() -> None:
    """Bump now and again after commit, so a request racing the transaction cannot keep old data."""
    _bump()
    transaction.on_commit(_bump)
