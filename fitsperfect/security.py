"""Defences applied from outside the apps: headers on pages that carry personal or health data, and
a gate in front of the webhooks.

Both are keyed on data in settings so the apps need no change:
- `SENSITIVE_URL_NAMES`: URL names (fnmatch patterns such as "orders:scan*") whose responses are
  kept out of search engines, shared caches and other sites' Referer headers.
- `WEBHOOK_PATHS`: paths that accept only a JSON body of at most `WEBHOOK_MAX_BODY_BYTES`.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .ratelimit import client_ip, too_many_requests


@lru_cache(maxsize=256)
def _is_sensitive(view_name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in patterns)


def is_sensitive(view_name: str | None) -> bool:
    if not view_name:
        return False
    return _is_sensitive(view_name, tuple(getattr(settings, "SENSITIVE_URL_NAMES", ())))


_POST_FORM = re.compile(rb"<form\b[^>]*\bmethod=[\"']?post", re.IGNORECASE)


def _has_post_form(response: HttpResponse) -> bool:
    if getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    return bool(_POST_FORM.search(response.content))


class SensitivePageMiddleware:
    """Pages whose URL is a key (order and result tokens) or that show health data or addresses.

    Sets `X-Robots-Tag: noindex, nofollow`, `Cache-Control: private, no-store` and the
    Referrer-Policy, the one place that decides it: `no-referrer`, except on pages with a POST form,
    which get `same-origin`. Under `no-referrer` browsers send `Origin: null` on the page's own form
    posts and Django's CSRF check refuses them (the order page's "Pay" button, the scan upload form);
    `same-origin` sends nothing to other sites either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or not is_sensitive(match.view_name):
            return response
        response["Referrer-Policy"] = "same-origin" if _has_post_form(response) else "no-referrer"
        response.headers.setdefault("X-Robots-Tag", "noindex, nofollow")
        cache_control = response.headers.get("Cache-Control", "")
        if "no-store" not in cache_control:
            response["Cache-Control"] = "private, no-store"
        return response


class WebhookGuardMiddleware:
    """Refuses what no webhook sender of ours ever sends, before the body is read.

    413 for a body larger than `WEBHOOK_MAX_BODY_BYTES` (judged from Content-Length, so an attacker
    cannot make us read or store megabytes); 400 for anything but `application/json`, and for a
    signature dated in the future (Stripe's SDK only refuses old ones, so a captured request signed
    ahead of time could be replayed for as long as its date allowed). The body itself is not parsed
    here: the webhooks check the signature first, then parse within limits and store every delivery
    (`fitsperfect.safe_json`), so a 4,000-deep array or a NUL byte is recorded, not a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info in getattr(settings, "WEBHOOK_PATHS", ()):
            refused = self._refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        limit = int(getattr(settings, "WEBHOOK_MAX_BODY_BYTES", 256 * 1024))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("bad content length", status=400, content_type="text/plain")
        if length > limit:
            return HttpResponse("body too large", status=413, content_type="text/plain")
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return HttpResponse("expected application/json", status=400, content_type="text/plain")
        if self._future_dated(request):
            return HttpResponse(
                "signature timestamp in the future", status=400, content_type="text/plain"
            )
        return None

    @staticmethod
    def _future_dated(request: HttpRequest) -> bool:
        skew = int(getattr(settings, "WEBHOOK_MAX_CLOCK_SKEW_SECONDS", 300))
        for header in ("HTTP_STRIPE_SIGNATURE", "HTTP_X_LAB_SIGNATURE"):
            for item in request.META.get(header, "").split(","):
                key, _, value = item.strip().partition("=")
                if key == "t" and value.isdigit() and int(value) > time.time() + skew:
                    return True
        return False


def login_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account a sign-in attempt is for, as django-axes counts it: "Ann" and "ann " are one
    account to a password guesser, so they share one count."""
    source = credentials if credentials else (getattr(request, "POST", None) or {})
    return str(source.get("username", "") or "").strip().lower()[:150]


def login_client_ip(request: HttpRequest) -> str | None:
    """The address django-axes counts failures from: ours (see `ratelimit.client_ip`), or None
    when a request has none that is an IP address (axes stores it in an address column)."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' answer to a locked-out account: the site's 429 page with `Retry-After`."""
    cool_off = settings.AXES_COOLOFF_TIME
    return too_many_requests(request, int(cool_off.total_seconds()))


def private_page(response: HttpResponse) -> HttpResponse:
    """A page only its holder may see (a key in the URL, health data): never stored by a cache.
    Its Referrer-Policy and noindex come from `SensitivePageMiddleware`."""
    response["Cache-Control"] = "no-store"
    return response
