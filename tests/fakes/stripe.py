"""A fake Stripe API over real HTTP, as strict as Stripe, and webhook events signed as Stripe signs.

Point the SDK at it with `settings.STRIPE_API_BASE = server.url`. It implements what Fits Perfect
calls: creating and reading Checkout Sessions, creating, listing and reading refunds, reading charges. Strict where
Stripe is strict: every request is checked against the parameter types the installed SDK declares
for the pinned API version (`stripe_params`), unknown parameters are refused with Stripe's error
shape, an `Idempotency-Key` reused with different parameters gets 400 `idempotency_error`, charges
never embed their refunds (API 2022-11-15 on), refunds are created `pending` and only
`settle_refunds()` makes them `succeeded` (or `failed`, with `refund_outcome = "failed"`), and events
carry the endpoint's API version.

    with serve_fake_stripe() as stripe_server:
        ...
        completed = event("checkout.session.completed", stripe_server.pay(session_id))
        post_event(client, completed, secret)
        ...  # a refund requested through the SDK is pending until Stripe settles it:
        for settled in stripe_server.settle_refunds():  # refund.updated, charge.refunded
            post_event(client, settled, secret)
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
from urllib.parse import parse_qsl, urlsplit

from . import serve_http
from .stripe_params import SDK_API_VERSION, ParamError, check_params, params_type

# The webhook endpoint's API version: the one the SDK (and settings.STRIPE_API_VERSION) pins.
API_VERSION = SDK_API_VERSION


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
        self.send_header("Stripe-Version", self.headers.get("Stripe-Version") or API_VERSION)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error", **extra):
        self._reply(status, {"error": {"type": kind, "message": message, **extra}})

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            self._error(401, "Invalid API Key provided.")
            return False
        return True

    def _checked(self, method: str, path: str, params: dict) -> bool:
        """The request fits the SDK's declared params for this endpoint (else Stripe's 400)."""
        typed = params_type(method, path)
        if typed is None:
            self._error(404, f"Unrecognized request URL ({method}: {path}).")
            return False
        try:
            check_params(params, typed)
        except ParamError as error:
            self._reply(400, error.body())
            self.server.rejected.append((method, path, error.code, error.param))
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        url = urlsplit(self.path)
        params = parse_form(url.query)
        server.requests.append(("GET", url.path, params, None))
        if not self._authorised() or not self._checked("GET", url.path, params):
            return
        with server.lock:
            match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", url.path)
            if match and match.group(1) in server.sessions:
                self._reply(200, server.sessions[match.group(1)])
                return
            match = re.fullmatch(r"/v1/charges/([\w]+)", url.path)
            charge = next(
                (c for c in server.charges.values() if match and c["id"] == match.group(1)), None
            )
            if charge is not None:
                self._reply(200, charge)
                return
            match = re.fullmatch(r"/v1/refunds/([\w]+)", url.path)
            if match and match.group(1) in server.refunds:
                self._reply(200, server.refunds[match.group(1)])
                return
            if url.path == "/v1/refunds":
                found = [
                    refund
                    for refund in reversed(list(server.refunds.values()))
                    if refund["payment_intent"]
                    == params.get("payment_intent", refund["payment_intent"])
                ]
                limit = int(params.get("limit") or 10)
                self._reply(
                    200,
                    {
                        "object": "list",
                        "data": found[:limit],
                        "has_more": len(found) > limit,
                        "url": "/v1/refunds",
                    },
                )
                return
        self._error(404, f"No such object: {url.path.rsplit('/', 1)[-1]}", code="resource_missing")

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
            if not self._authorised() or not self._checked("POST", self.path, params):
                return
            if key and (self.path, key) in server.idempotent:
                first_params, result = server.idempotent[(self.path, key)]
                if first_params != params:
                    self._error(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        "idempotency_error",
                    )
                    return
                self._reply(200, result)
                return
            if self.path == "/v1/checkout/sessions":
                session = checkout_session_object(params, server.url)
                server.sessions[session["id"]] = session
                server.created["checkout.session"] += 1
                result = session
            else:  # /v1/refunds
                result = server.refund(params)
                if isinstance(result, str):
                    self._error(400, result, code="charge_already_refunded")
                    return
            if key:
                server.idempotent[(self.path, key)] = (params, result)
        self._reply(200, result)


@contextmanager
def serve_fake_stripe():
    """Serves the fake; `server.pay(session_id)` plays the customer paying on the hosted page."""
    state = {
        "requests": [],
        "sessions": {},
        "charges": {},
        "refunds": {},
        "idempotent": {},
        "rejected": [],
        "refund_outcome": "succeeded",
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

        def refund(params: dict) -> dict | str:
            """`POST /v1/refunds`: a refund starts `pending`, as card refunds often do."""
            charge = server.charges.get(params.get("payment_intent", ""))
            if charge is None:
                return f"No such payment_intent: '{params.get('payment_intent', '')}'"
            pending = sum(
                r["amount"]
                for r in server.refunds.values()
                if r["charge"] == charge["id"] and r["status"] == "pending"
            )
            left = charge["amount"] - charge["amount_refunded"] - pending
            amount = int(params.get("amount") or 0) or left
            if amount > left or amount <= 0:
                return (
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
                )
            refund_object = {
                "id": _id("re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "destination_details": {"card": {"type": "refund"}, "type": "card"},
                "failure_reason": None,
                "metadata": params.get("metadata", {}),
                "payment_intent": charge["payment_intent"],
                "reason": params.get("reason"),
                "receipt_number": None,
                "status": "pending",
            }
            server.refunds[refund_object["id"]] = refund_object
            server.created["refund"] += 1
            return json.loads(json.dumps(refund_object))

        def settle_refunds() -> list[dict]:
            """Stripe settles pending refunds: `succeeded` (or `failed` when `refund_outcome` says
            so). Returns the events Stripe would send, in its order (refund.updated or
            refund.failed, then charge.refunded for money given back)."""
            events = []
            with server.lock:
                for refund_object in server.refunds.values():
                    if refund_object["status"] != "pending":
                        continue
                    charge = next(
                        c for c in server.charges.values() if c["id"] == refund_object["charge"]
                    )
                    if server.refund_outcome == "failed":
                        refund_object.update(
                            status="failed", failure_reason="expired_or_canceled_card"
                        )
                        events.append(event("refund.failed", refund_object))
                        continue
                    refund_object["status"] = "succeeded"
                    charge["amount_refunded"] += refund_object["amount"]
                    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
                    events.append(event("refund.updated", refund_object))
                    events.append(event("charge.refunded", charge))
            return events

        server.pay = pay
        server.refund = refund
        server.settle_refunds = settle_refunds
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
        # No `refunds` list: Stripe stopped including it on charges in API version 2022-11-15.
        "status": "succeeded",
    }


def event(
    event_type: str, obj: dict, *, event_id: str | None = None, api_version: str = API_VERSION
) -> dict:
    """An Event as Stripe delivers it to a webhook endpoint (stamped with the endpoint's version)."""
    return {
        "id": event_id or _id("evt"),
        "object": "event",
        "api_version": api_version,
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
