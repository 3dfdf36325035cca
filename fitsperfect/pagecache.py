"""A shared cache of whole public pages for anonymous visitors.

Django's own cache middleware keys on the whole Cookie header (every visitor's CSRF cookie makes a
new key), so it never hits for real visitors. This one serves a stored page only to a request that
can't see anything personal: GET, no query string, no session cookie (so anonymous, with no flash
messages in the session) and no messages cookie. It stores only what is the same for everyone: a
200 that sets no cookie (a page with a CSRF token sets one, so forms are never stored), is not
marked private/no-store/no-cache and varies on nothing but Cookie, Accept-Language or
Accept-Encoding.

Off unless `PAGE_CACHE_SECONDS` > 0 (production default: 30). Paths are `PAGE_CACHE_PATHS`
(regular expressions); `PAGE_CACHE_VERSION_KEYS` name cache keys holding version numbers (the
content app bumps "content:version" on every article change): a stored page made under other
versions is not served, so an edit shows at once; anything else is at most `PAGE_CACHE_SECONDS` old.
`PAGE_CACHE_LOCAL_SECONDS` (production default: 2) keeps a copy in each process as well, so a
busy page costs no cache round trip; an edit then shows within that many seconds.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

HEADER = "X-Page-Cache"
_SAFE_VARY = {"cookie", "accept-language", "accept-encoding"}
_UNCACHEABLE = ("private", "no-store", "no-cache")


@lru_cache(maxsize=8)
def _patterns(paths: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(path) for path in paths)


# Per-process copies of stored pages for PAGE_CACHE_LOCAL_SECONDS (a microcache: no cache round
# trip at all for a busy page); bounded, and emptied when full.
_LOCAL: dict[str, tuple[float, tuple]] = {}
_LOCAL_MAX = 256


def _remember(key: str, stored: tuple, seconds: float) -> None:
    if not seconds:
        return
    if len(_LOCAL) >= _LOCAL_MAX:
        _LOCAL.clear()
    _LOCAL[key] = (time.monotonic() + seconds, stored)


def _response(stored: tuple, how: str) -> HttpResponse:
    _versions, status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HEADER] = how
    return response


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        local_seconds = getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0)
        if local_seconds:
            local = _LOCAL.get(key)
            if local is not None and local[0] > time.monotonic():
                return _response(local[1], "hit-local")
        # One round trip: the stored page and the current versions it must have been made under.
        version_keys = list(getattr(settings, "PAGE_CACHE_VERSION_KEYS", ()))
        found = cache.get_many([key, *version_keys])
        versions = [found.get(k) for k in version_keys]
        stored = found.get(key)
        if stored is not None and stored[0] == versions:
            _remember(key, stored, local_seconds)
            return _response(stored, "hit")
        response = self.get_response(request)
        if self._storable(response):
            headers = [(k, v) for k, v in response.items() if k.lower() != HEADER.lower()]
            stored = (versions, response.status_code, headers, response.content)
            cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            _remember(key, stored, local_seconds)
            response[HEADER] = "miss"
        return response

    @staticmethod
    def _key(request: HttpRequest) -> str | None:
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        if not seconds or request.method != "GET" or request.META.get("QUERY_STRING"):
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None
        if getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES:
            return None
        path = request.path_info
        if not any(p.search(path) for p in _patterns(tuple(settings.PAGE_CACHE_PATHS))):
            return None
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        parts = [prefix, request.get_host(), path, get_language_from_request(request)]
        return "pagecache:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()

    @staticmethod
    def _storable(response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in _UNCACHEABLE):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return vary <= _SAFE_VARY
