"""Refuses web addresses no browser sends, once, before any view or database sees them.

A NUL byte in a path segment or query value reached PostgreSQL (`/orders/%00/`,
`/articles/?q=%00`...), which refuses NUL in text (psycopg `DataError`: a 500 on every page that
looks something up). Bytes that are not UTF-8 (`%ff`) were quietly turned into U+FFFD or `%FF` by
Django and looked up as such. `BadInputMiddleware` answers 400 (the site's page) for either, in
the path or the query string, and for a query string longer than `MAX_QUERY_STRING_BYTES`; a
cookie holding NUL is dropped (the session lookup would have failed the same way). Form
fields are cleaned by Django itself (CharField refuses NUL; DecimalField and FloatField refuse
NaN and infinity); forms that parse numbers themselves must refuse non-finite values too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Browsers and proxies limit whole URLs to about 8 KB; no form of ours comes near it.
MAX_QUERY_STRING_BYTES = 8192


def bad_input(request: HttpRequest) -> str | None:
    """Why the request's path or query cannot be accepted, or None."""
    # WSGI gives the raw path bytes as a latin-1 string (PEP 3333), already percent-decoded.
    path = request.META.get("PATH_INFO", "").encode("latin-1", errors="replace")
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY_STRING_BYTES:
        return "query string too long"
    for part, raw in (("path", path), ("query", unquote_to_bytes(query.replace("+", " ")))):
        if b"\x00" in raw:
            return f"NUL in {part}"
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"{part} is not UTF-8"
    return None


def bad_request(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(render_to_string("400.html", request=request), status=400)
    response["Cache-Control"] = "no-store"
    return response


class BadInputMiddleware:
    """First in MIDDLEWARE: nothing else reads a path or query it would refuse."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if bad_input(request) is not None:
            return bad_request(request)
        drop_bad_cookies(request)
        return self.get_response(request)


def drop_bad_cookies(request: HttpRequest) -> None:
    """A cookie holding NUL (`sessionid="\\000..."` unquotes to one) is treated as not sent:
    refusing the request instead would lock the browser out for as long as it keeps the cookie."""
    cookies = request.COOKIES
    for name in [k for k, v in cookies.items() if "\x00" in k or "\x00" in v]:
        del cookies[name]
