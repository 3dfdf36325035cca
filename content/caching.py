"""One version for all article caches: any article or topic change sets a new one.

The version lives in the shared cache through `fitsperfect.pagecache` (the same mechanism as the
catalogue's), which the page cache also checks (`PAGE_CACHE_VERSION_KEYS`).
"""

from django.db import transaction

from fitsperfect import pagecache

VERSION_KEY = "content:version"


def content_version() -> object:
    return pagecache.shared_version(VERSION_KEY)


def invalidate_content_cache() -> None:
    """New version now and again after commit, so a request racing the transaction cannot keep
    old data."""
    pagecache.new_version(VERSION_KEY)
    transaction.on_commit(lambda: pagecache.new_version(VERSION_KEY))
