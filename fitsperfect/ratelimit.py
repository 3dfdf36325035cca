"""Rate limits for the requests bots hammer: logins, sign-ups, assessment submission, checkout,
order lookup and uploads.

One middleware reads a table from settings (`RATE_LIMITS`): each rule names a method, a path
regular expression, what the counter is keyed on, a limit and a window in seconds. Counters are
fixed windows in the default cache (Redis in production, so every web process shares them):
`cache.add` creates the window's counter, `cache.incr` counts atomically. Over the limit the
request never reaches the view: it gets a 429 page with a `Retry-After` header.

Counters are keyed on the client address (see `client_ip`); the body is never read here, so
uploads keep their streaming upload handlers. Failed passwords per account are counted by
django-axes instead (settings: AXES_*), which sees every sign-in form through `authenticate()`.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

KEY_KINDS = ("ip",)


def now() -> float:
    """The clock the windows are cut from (tests replace it instead of sleeping)."""
    return time.time()


@dataclass(frozen=True)
class Rule:
    name: str
    methods: frozenset[str]
    path: re.Pattern
    key: str
    limit: int
    window: int


@lru_cache(maxsize=4)
def _compile(table: tuple[tuple[tuple[str, object], ...], ...]) -> tuple[Rule, ...]:
    rules = []
    for items in table:
        spec = dict(items)
        key = str(spec.get("key", "ip"))
        if key not in KEY_KINDS:
            raise ValueError(f"RATE_LIMITS rule {spec.get('name')!r}: unknown key {key!r}")
        methods = spec.get("methods") or ("POST",)
        rules.append(
            Rule(
                name=str(spec["name"]),
                methods=frozenset(m.upper() for m in methods),
                path=re.compile(str(spec["path"])),
                key=key,
                limit=int(spec["limit"]),
                window=int(spec["window"]),
            )
        )
    return tuple(rules)


def rules() -> tuple[Rule, ...]:
    table = getattr(settings, "RATE_LIMITS", ())
    frozen = tuple(
        tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in rule.items()))
        for rule in table
    )
    return _compile(frozen)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from.

    `X-Forwarded-For` is written by whoever sends the request, so trusting it would let a bot pick a
    fresh "address" for every request. It is used only when `TRUSTED_PROXY_COUNT` says how many
    proxies of ours sit in front: the client is then the entry that many hops from the right (each
    of our proxies appends the address it saw). Otherwise `REMOTE_ADDR`, which the TCP connection
    sets, is the only trustworthy source.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]


def hit(rule: Rule, identity: str) -> tuple[bool, int]:
    """Counts one request; returns (allowed, seconds until the window ends)."""
    moment = now()
    window_index = int(moment // rule.window)
    retry_after = max(1, math.ceil((window_index + 1) * rule.window - moment))
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"ratelimit:{rule.name}:{digest}:{window_index}"
    cache.add(key, 0, timeout=rule.window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start the window again
        cache.add(key, 1, timeout=rule.window + 5)
        count = 1
    return count <= rule.limit, retry_after


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    body = render_to_string(
        "429.html",
        {"retry_after": retry_after, "retry_minutes": math.ceil(retry_after / 60)},
        request=request,
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class RateLimitMiddleware:
    """Answers 429 before the view runs once a rule's counter passes its limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "RATE_LIMITS_ENABLED", True):
            blocked = self._check(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        longest = 0
        for rule in rules():
            if request.method not in rule.methods or not rule.path.search(request.path_info):
                continue
            allowed, retry_after = hit(rule, client_ip(request))
            if not allowed:
                longest = max(longest, retry_after)
        if longest:
            return too_many_requests(request, longest)
        return None
