"""A fake Stripe API over real HTTP, and webhook events built and signed exactly as Stripe does.

Point the SDK at it with `settings.STRIPE_API_BASE = server.url`. It implements what Fits Perfect
calls: creating (with `Idempotency-Key` replay) and reading Checkout Sessions, and creating refunds.
Objects follow Stripe's real shapes (the fields we and the SDK read, plus the common ones).

    with serve_fake_stripe() as stripe_server:
        ...
        session = stripe_server.sessions[session_id]
        event = checkout_event("checkout.session.completed", stripe_server.pay(session_id))
        post_event(client, event, secret)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from . import serve_http

API_VERSION = "2026-10-28.endive"


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def parse_form(body: str) -> dict:
    """Decodes Stripe's form encoding (`line_items[0][price_data][currency]=gbp`) into nested data."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


def checkout_session_object(params: dict, base_url: str) -> dict:
    """A Checkout Session as Stripe returns it from `POST /v1/checkout/sessions`."""
    session_id = "cs_test_" + secrets.token_hex(16)
    lines = params.get("line_items", [])
    subtotal = sum(
        int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1)) for line in lines
    )
    currency = lines[0]["price_data"]["currency"] if lines else "gbp"
    now = int(time.time())
    return {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": subtotal,
        "amount_total": subtotal,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "consent": None,
        "created": now,
        "currency": currency,
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": now + 86400,
        "livemode": False,
        "locale": None,
        "metadata": params.get("metadata", {}),
        "mode": params.get("mode", "payment"),
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": f"{base_url}/c/pay/{session_id}",
    }


class FakeStripeHandler(BaseHTTPRequestHandler):
    server_version = "FakeStripe/1.0"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(8))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        self._reply(status, {"error": {"type": kind, "message": message}})

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            self._error(401, "Invalid API Key provided.")
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        server.requests.append(("GET", self.path, {}, None))
        if not self._authorised():
            return
        match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", self.path)
        if match and match.group(1) in server.sessions:
            self._reply(200, server.sessions[match.group(1)])
            return
        self._error(404, "No such checkout.session")

    def do_POST(self) -> None:  # noqa: N802
        server = self.server
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        params = parse_form(body)
        key = self.headers.get("Idempotency-Key")
        with server.lock:
            server.requests.append(("POST", self.path, params, key))
            if server.fail_next > 0:
                server.fail_next -= 1
                self._error(500, "Something went wrong on Stripe's end.", "api_error")
                return
            if not self._authorised():
                return
            if key and (self.path, key) in server.idempotent:
                self._reply(200, server.idempotent[(self.path, key)])
                return
            if self.path == "/v1/checkout/sessions":
                session = checkout_session_object(params, server.url)
                server.sessions[session["id"]] = session
                server.created["checkout.session"] += 1
                result = session
            elif self.path == "/v1/refunds":
                result = server.refund(params)
                if result is None:
                    self._error(400, "No such payment_intent or amount too large.")
                    return
            else:
                self._error(404, f"Unrecognized request URL (POST: {self.path}).")
                return
            if key:
                server.idempotent[(self.path, key)] = result
        self._reply(200, result)


@contextmanager
def serve_fake_stripe():
    """Serves the fake; `server.pay(session_id)` plays the customer paying on the hosted page."""
    state = {
        "requests": [],
        "sessions": {},
        "charges": {},
        "idempotent": {},
        "created": Counter(),
        "fail_next": 0,
        "lock": threading.RLock(),
    }
    with serve_http(FakeStripeHandler, **state) as server:

        def pay(session_id: str, *, payment_status: str = "paid") -> dict:
            """The customer completes the hosted page: returns the completed session object."""
            session = server.sessions[session_id]
            payment_intent = session["payment_intent"] or _id("pi")
            session.update(
                {
                    "payment_intent": payment_intent,
                    "payment_status": payment_status,
                    "status": "complete",
                    "customer_details": {
                        "email": session["customer_email"],
                        "name": None,
                        "address": None,
                        "phone": None,
                        "tax_exempt": "none",
                        "tax_ids": [],
                    },
                }
            )
            server.charges[payment_intent] = charge_object(
                payment_intent, session["amount_total"], session["currency"]
            )
            return json.loads(json.dumps(session))

        def refund(params: dict) -> dict | None:
            charge = server.charges.get(params.get("payment_intent", ""))
            amount = int(params.get("amount") or 0) or None
            if charge is None:
                return None
            left = charge["amount"] - charge["amount_refunded"]
            amount = amount or left
            if amount > left:
                return None
            refund_object = {
                "id": _id("re"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": params.get("metadata", {}),
                "payment_intent": charge["payment_intent"],
                "reason": None,
                "status": "succeeded",
            }
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund_object)
            charge["refunds"]["total_count"] += 1
            server.created["refund"] += 1
            return refund_object

        server.pay = pay
        server.refund = refund
        yield server


def charge_object(payment_intent: str, amount: int, currency: str) -> dict:
    charge_id = _id("ch")
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "captured": True,
        "created": int(time.time()),
        "currency": currency,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": False,
        "refunds": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        "status": "succeeded",
    }


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    """An Event as Stripe delivers it to a webhook endpoint."""
    return {
        "id": event_id or _id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": json.loads(json.dumps(obj))},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """`Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>" keyed with the secret>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client, event_data: dict, secret: str, *, timestamp: int | None = None, body=None):
    """Delivers an event to /webhooks/stripe/ through Django's test client, signed like Stripe."""
    payload = body if body is not None else json.dumps(event_data, indent=2)
    return client.post(
        "/webhooks/stripe/",
        data=payload,
        content_type="application/json; charset=utf-8",
        HTTP_STRIPE_SIGNATURE=signature_header(payload, secret, timestamp),
        HTTP_USER_AGENT="Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    )
