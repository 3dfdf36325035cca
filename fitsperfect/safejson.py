"""Parsing JSON bodies that anyone can post (the Stripe and lab webhooks) without ever raising a 500.

`json.loads` recurses once per nested array or object: a 4,000-deep `[[[[...]]]]` raised
`RecursionError` (not a `ValueError`, so a 500) before any signature was checked. A NUL character
(raw, or written `\\u0000`) cannot be stored in a PostgreSQL text column (psycopg raises
`DataError`). Use:

    from fitsperfect.safejson import BadBody, parse_json_body, storable_text

    try:
        payload = parse_json_body(raw, max_bytes=256 * 1024, max_depth=32)
    except BadBody as error:
        ...  # 400 (413 when error.reason == "too large"); error.reason says why

`parse_json_body` checks the size and the nesting depth before decoding (without recursion), and
refuses non-UTF-8, NUL and the non-standard constants `NaN`/`Infinity`. `storable_text` turns any
body or string into text a PostgreSQL text column accepts (NUL written as the six characters
`\\u0000`), for recording deliveries that were refused.
"""

from __future__ import annotations

import json
import re

__all__ = ["BadBody", "TOO_LARGE", "parse_json_body", "storable_text"]

TOO_LARGE = "too large"

# A JSON string literal (with its escapes): brackets inside strings do not nest.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
# \u0000 written as an escape in a string (an escaped backslash before it does not count).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class BadBody(ValueError):
    """The body is not JSON we accept; `reason` is short, safe to log and to answer with."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_constant(name: str) -> object:
    raise BadBody(f"non-standard constant {name}")


def _depth(raw: bytes) -> int:
    deepest = depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_json_body(raw: bytes, *, max_bytes: int, max_depth: int) -> object:
    """The decoded JSON value of `raw`, or `BadBody` (never another exception).

    Refused: more than `max_bytes` bytes (reason `TOO_LARGE`), arrays/objects nested deeper than
    `max_depth`, bytes that are not UTF-8, any NUL (raw or `\\u0000`), `NaN`/`Infinity`, and
    anything that is not JSON.
    """
    if len(raw) > max_bytes:
        raise BadBody(TOO_LARGE)
    if b"\x00" in raw or _ESCAPED_NUL.search(raw):
        raise BadBody("NUL character")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("not UTF-8") from None
    if _depth(raw) > max_depth:
        raise BadBody("nested too deeply")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except BadBody:
        raise
    except (ValueError, RecursionError):  # RecursionError: belt and braces after the depth check
        raise BadBody("not JSON") from None


def storable_text(value: str | bytes, *, limit: int | None = None) -> str:
    """`value` as text PostgreSQL can store: bytes decoded (bad UTF-8 replaced), NUL escaped as
    `\\u0000`, cut to `limit` characters when given."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    text = value.replace("\x00", "\\u0000")
    return text if limit is None else text[:limit]
