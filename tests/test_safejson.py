"""Webhook bodies anyone can post: deep nesting and NUL never give a 500 on either webhook, and
every delivery is stored (fitsperfect.safe_json: parsed only after the signature, within limits)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from fitsperfect.safe_json import UnsafeJSON, parse, parse_object, storable_text

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
        (DEEP, "nested deeper than 32"),
        (b'{"a": NaN}', "non-standard constant NaN"),
        (b'{"a": -Infinity}', "non-standard constant -Infinity"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"x" * 10_001, "larger than 10000 bytes"),
    ],
)
def test_parse_refuses_with_a_reason(raw, reason):
    with pytest.raises(UnsafeJSON) as refused:
        parse(raw, max_bytes=10_000)
    assert reason in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_parse_accepts_ordinary_json_brackets_inside_strings_and_escapes_nul():
    raw = json.dumps({"a": [{"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "c": "x"}]})
    assert parse(raw.encode(), max_depth=3) == json.loads(raw)
    nested = b"[" * 32 + b"]" * 32
    assert parse(nested)
    with pytest.raises(UnsafeJSON):
        parse(b"[" + nested + b"]")
    # A NUL inside a string reaches the database escaped, never as a NUL PostgreSQL refuses.
    assert parse_object(b'{"type": "a\\u0000b"}') == {"type": "a\\u0000b"}
    with pytest.raises(UnsafeJSON):
        parse_object(b"[]")


def test_storable_text_escapes_nul_and_keeps_bad_bytes_as_evidence():
    assert storable_text(b"a\x00b\xff") == "a\\x00b\\xff"
    assert storable_text('{"ok": 1}') == '{"ok": 1}'


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_bodies_are_a_400_on_both_webhooks_and_are_recorded(client, path, body):
    """Unsigned, so nothing may get past the signature check: no 500, and the delivery is kept."""
    response = client.generic(
        "POST",
        path,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
        HTTP_X_LAB_SIGNATURE="t=1,v1=00",
    )
    assert response.status_code == 400
    model = "payments.StripeEvent" if "stripe" in path else "lab.LabEvent"
    stored = apps.get_model(model).objects.get()
    assert not stored.valid and "\x00" not in stored.raw_body
