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
busy page costs no cache round trip; an edit then shows within that many seconds. A page found not
storable (a form page sets a CSRF cookie) is not looked up again in the shared cache for as long:
asking would cost a round trip per request for nothing. The orders app's catalogue version is in
`PAGE_CACHE_VERSION_KEYS` too, so a price change shows at once.

`form_page` is the other half, for pages with a form: the same for every anonymous visitor except
the CSRF token. Each process keeps the page rendered with a placeholder where the token goes and
fills in the visitor's own token (and so sets the CSRF cookie exactly as rendering would).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language, get_language_from_request

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
# Keys whose page was not storable, until when (per process, PAGE_CACHE_LOCAL_SECONDS).
_UNSTORABLE: dict[str, float] = {}


def _keep(store: dict, key, value) -> None:
    """Per-process stores are bounded: emptied when full (they refill from the next requests)."""
    if len(store) >= _LOCAL_MAX:
        store.clear()
    store[key] = value


def _remember(key: str, stored: tuple, seconds: float) -> None:
    if seconds:
        _keep(_LOCAL, key, (time.monotonic() + seconds, stored))


def _rebuilt(status: int, headers: list, content: bytes) -> HttpResponse:
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


def _response(stored: tuple, how: str) -> HttpResponse:
    _versions, status, headers, content = stored
    response = _rebuilt(status, headers, content)
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
            if _UNSTORABLE.get(key, 0.0) > time.monotonic():
                return self.get_response(request)
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
        elif local_seconds:
            _keep(_UNSTORABLE, key, time.monotonic() + local_seconds)
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


# --- Pages with a form: rendered once per process, the visitor's CSRF token filled in ----------

# Letters and digits only, so HTML escaping leaves it as it is; new in each process.
_HOLE = ("csrfhole" + secrets.token_hex(16)).encode()
_FORM_PAGES: dict[tuple, tuple[float, object, int, list, bytes]] = {}


# Versions read from the shared cache, per process: key -> (until, version).
_VERSIONS: dict[str, tuple[float, object]] = {}


@receiver(setting_changed)
def _forget_form_pages(**kwargs) -> None:
    """Pages rendered under other settings (tests change them) are not served again."""
    _FORM_PAGES.clear()
    _UNSTORABLE.clear()
    _VERSIONS.clear()


def shared_version(key: str) -> object:
    """The version under `key` in the shared cache (a new one if the cache has lost it).

    Asked at most once per PAGE_CACHE_LOCAL_SECONDS in each process, like the page cache's own
    copies: a round trip per request would cost more than the page it guards. A change made in
    this process (`new_version`) shows here at once, in other processes within those seconds.
    """
    seconds = getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 0)
    now = time.monotonic()
    known = _VERSIONS.get(key)
    if seconds and known is not None and known[0] > now:
        return known[1]
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(16), timeout=None)
        version = cache.get(key)
    if seconds:
        _VERSIONS[key] = (now + seconds, version)
    return version


def new_version(key: str) -> None:
    """Pages made under the old version are made again (call it once the change has committed)."""
    cache.set(key, secrets.token_hex(16), timeout=None)
    _VERSIONS.pop(key, None)


def anonymous_and_clean(request: HttpRequest) -> bool:
    """GET, no query string, no session and no messages cookie: nothing personal can show."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
    )


def form_page(
    request: HttpRequest,
    name: str,
    render: Callable[[str | None], HttpResponse],
    *,
    version: object = None,
    seconds: float = 60.0,
    blank: bool = False,
) -> HttpResponse:
    """A page the same for every anonymous visitor but for its CSRF token, rendered once per process.

    `render(csrf_token)` renders the page; given a token it must put it in the context as
    `csrf_token` (so `{% csrf_token %}` writes it). For anyone but an anonymous and clean request
    it is called with None (the normal render). Otherwise the page rendered with a placeholder is
    kept for `seconds` while `version` (e.g. read from the shared cache: read it before the data
    the page shows, so a page is never kept under a newer version than its data) stays the same.
    Only a 200 that sets no cookie is kept; the placeholder is always replaced. `blank=True`: the
    caller has checked that this visitor, session or not, sees nothing of their own on the page
    (not signed in, no messages, nothing of theirs in the session that the page shows); a GET
    without a query string is still required.
    """
    if blank:
        eligible = request.method == "GET" and not request.META.get("QUERY_STRING")
    else:
        eligible = anonymous_and_clean(request)
    if settings.DEBUG or not eligible:  # DEBUG: template edits show at once
        return render(None)
    key = (name, get_language())
    now = time.monotonic()
    entry = _FORM_PAGES.get(key)
    if entry is None or entry[0] < now or entry[1] != version:
        response = render(_HOLE.decode())
        if response.status_code != 200 or response.streaming or response.cookies:
            return _fill(response, request)
        entry = (now + seconds, version, 200, list(response.items()), response.content)
        _keep(_FORM_PAGES, key, entry)
    return _fill(_rebuilt(*entry[2:]), request)


def _fill(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    if not response.streaming and _HOLE in response.content:
        response.content = response.content.replace(_HOLE, get_token(request).encode())
    return response
