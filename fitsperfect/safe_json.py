"""Webhook bodies from anyone: stored whatever they hold, parsed only within limits.

Both webhooks (`/webhooks/stripe/`, `/webhooks/lab/`) use these. The order is: check the signature
over the raw bytes, then `parse` with a size and nesting limit (Python's `json` recurses, so a
4,000-deep body would raise `RecursionError`), and store `storable_text` (PostgreSQL text refuses
NUL, and the bytes must be kept as evidence, so they are escaped rather than dropped).
"""

from __future__ import annotations

import json

MAX_DEPTH = 32  # Stripe's events nest about 8 deep
MAX_BYTES = 256 * 1024


class UnsafeJSON(ValueError):
    """The body is not JSON we accept: too big, too deep, or not JSON at all."""


def storable_text(body: bytes | str) -> str:
    """Text any database stores: invalid UTF-8 as `\\xNN`, NUL as `\\x00` (valid JSON never has a raw
    NUL, so valid bodies come out byte for byte)."""
    text = body if isinstance(body, str) else body.decode("utf-8", errors="backslashreplace")
    return text.replace("\x00", "\\x00")


def _depth(text: str) -> int:
    """The deepest nesting of objects and arrays, outside strings; one pass, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _without_nul(value):
    """Strings with NUL (a `\\u0000` escape) get it escaped, so a parsed value can reach the database."""
    if isinstance(value, str):
        return value.replace("\x00", "\\u0000")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _refuse_constant(name: str):
    raise UnsafeJSON(f"non-standard constant {name}")


def parse(body: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH):
    """The parsed JSON value, or `UnsafeJSON`. Never raises anything else."""
    if len(body) > max_bytes:
        raise UnsafeJSON(f"body larger than {max_bytes} bytes")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise UnsafeJSON("body is not UTF-8") from error
    if _depth(text) > max_depth:
        raise UnsafeJSON(f"nested deeper than {max_depth}")
    try:
        return _without_nul(json.loads(text, parse_constant=_refuse_constant))
    except (ValueError, RecursionError) as error:
        raise UnsafeJSON(f"not JSON: {error}"[:200]) from error


def parse_object(body: bytes | str, **limits) -> dict:
    """`parse`, but only a JSON object is accepted."""
    value = parse(body, **limits)
    if not isinstance(value, dict):
        raise UnsafeJSON("not a JSON object")
    return value
