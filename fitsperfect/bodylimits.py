"""Request bodies capped by route before a byte of them is read.

Only the scan upload takes large bodies. Elsewhere Django read whatever was sent (a 1 GiB multipart
POST to the newsletter form was spooled to /tmp in full before its 400; a 200 MB "photo" was read
whole before "must be smaller than 15 MB"). `BodyLimitMiddleware` looks up the route's cap in
`REQUEST_BODY_LIMITS` (first matching path regex; else `REQUEST_BODY_MAX_BYTES`) and answers 413
from the `Content-Length` header, unread. Django never reads past `Content-Length` (its
`LimitedStream`), and a body sent without one (chunked) is not read at all, so no request can make
a process read more than its route's cap; inside the scan upload each file is also cut off at its
own cap while it streams (`orders.scans.uploads`). Keep the proxy's limit (nginx `client_max_body_size`)
the same per route: README, "Deploying".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


@lru_cache(maxsize=4)
def _table(rules: tuple[tuple[str, int], ...]) -> tuple[tuple[re.Pattern, int], ...]:
    return tuple((re.compile(path), int(limit)) for path, limit in rules)


def body_limit(path: str) -> int:
    """The largest body, in bytes, the route at `path` accepts."""
    rules = tuple((r["path"], r["max_bytes"]) for r in getattr(settings, "REQUEST_BODY_LIMITS", ()))
    for pattern, limit in _table(rules):
        if pattern.search(path):
            return limit
    return int(getattr(settings, "REQUEST_BODY_MAX_BYTES", 1024 * 1024))


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """The 413 page; JSON in the shape the scan page's script reads when it asked for JSON."""
    megabytes = max(1, limit // (1024 * 1024))
    if "application/json" in request.META.get("HTTP_ACCEPT", ""):
        message = _("What you sent is too large: this page accepts at most %(mb)s MB.") % {
            "mb": megabytes
        }
        response = JsonResponse({"ok": False, "errors": {"__all__": message}}, status=413)
    else:
        body = render_to_string("413.html", {"megabytes": megabytes}, request=request)
        response = HttpResponse(body, status=413)
    response["Connection"] = "close"  # the unread body is not worth keeping the connection for
    response["Cache-Control"] = "no-store"
    return response


class BodyLimitMiddleware:
    """413 at once for a body over the route's cap (judged from Content-Length, never read)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(header)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponse("bad content length", status=400, content_type="text/plain")
        limit = body_limit(request.path_info)
        if length > limit:
            return too_large(request, limit)
        return self.get_response(request)
