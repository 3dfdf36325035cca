"""Webhook bodies anyone can post: deep nesting and NUL never give a 500, on either webhook
(fitsperfect.safejson, used by WebhookGuardMiddleware before any signature is checked)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from fitsperfect.safejson import TOO_LARGE, BadBody, parse_json_body, storable_text

WEBHOOKS = ["/webhooks/stripe/", "/webhooks/lab/"]
DEEP = b"[" * 4000 + b"]" * 4000
HOSTILE_BODIES = [
    DEEP,
    b'{"a": ' + DEEP + b"}",
    b'{"id": "evt_1", "type": "\\u0000"}',
    b'{"id": "evt_\x00", "type": "x\x00"}',
    b'{"type": "\\u0000checkout.session.completed", "data": {"object": {}}}',
    b'{"id": "evt_1", "type": NaN}',
    b'{"id": "\xff\xfe"}',
]


@pytest.mark.parametrize(
    "raw,reason",
    [
        (DEEP, "nested too deeply"),
        (b'{"a": "\\u0000"}', "NUL character"),
        (b'{"a": "\x00"}', "NUL character"),
        (b'{"a": NaN}', "non-standard constant NaN"),
        (b'{"a": -Infinity}', "non-standard constant -Infinity"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"x" * 10_001, TOO_LARGE),
    ],
)
def test_parse_json_body_refuses_with_a_reason(raw, reason):
    with pytest.raises(BadBody) as refused:
        parse_json_body(raw, max_bytes=10_000, max_depth=32)
    assert refused.value.reason == reason
    assert isinstance(refused.value, ValueError)


def test_parse_json_body_accepts_ordinary_json_and_brackets_inside_strings():
    raw = json.dumps({"a": [{"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "c": "\\u0000"}]})
    assert parse_json_body(raw.encode(), max_bytes=1000, max_depth=3) == json.loads(raw)
    nested = b"[" * 32 + b"]" * 32
    assert parse_json_body(nested, max_bytes=1000, max_depth=32)
    with pytest.raises(BadBody):
        parse_json_body(b"[" + nested + b"]", max_bytes=1000, max_depth=32)


def test_storable_text_escapes_nul_and_decodes_bytes():
    assert storable_text(b"a\x00b\xff") == "a\\u0000b\ufffd"
    assert storable_text("x\x00" * 10, limit=5) == "x\\u00"


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_bodies_are_a_400_on_both_webhooks(client, path, body):
    """Unsigned, so nothing may get past the signature check: but no 500 before it either."""
    response = client.generic(
        "POST",
        path,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
        HTTP_X_LAB_SIGNATURE="t=1,v1=00",
    )
    assert response.status_code == 400
    assert not apps.get_model("orders", "StripeEvent").objects.filter(valid=True).exists()
