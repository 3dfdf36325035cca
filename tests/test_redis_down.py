"""Redis down for the web process: the site still sells (fitsperfect.degraded,
fitsperfect.sessions_fallback).

The cache points at a port nothing listens on, with the production configuration of settings.py
(REDIS_URL set): the page cache, the product page's catalogue version and the rate limiter fall back
to a per-process cache, sessions to the database, and the fallback is logged once per minute, not
per request. The customer journey runs end to end: product page, checkout, test payment, order
page, scans page and a scan upload.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fitsperfect import degraded
from orders.models import Order
from orders.tests.factories import answer_health_check, seed_catalogue
from orders.tests.foot_meshes import foot_mesh

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
CHECKOUT = {
    "email": "ann@example.com",
    "full_name": "Ann Example",
    "phone": "",
    "address_line1": "1 High Street",
    "address_line2": "",
    "city": "London",
    "region": "",
    "postcode": "sw1a 1aa",
    "country": "GB",
    "accept_terms": "on",
    "consent_health_data": "on",
    "checkout_key": "0123456789abcdef0123456789abcdef",
}


@pytest.fixture
def redis_down(settings, caplog):
    """What settings.py builds when REDIS_URL is set, with Redis unreachable."""
    settings.CACHES = {
        "default": {
            "BACKEND": "fitsperfect.degraded.DegradingCache",
            "WRAPS": "fitsperfect.cache.RedisCache",
            "LOCATION": DEAD_REDIS,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
    }
    settings.SESSION_ENGINE = "fitsperfect.sessions_fallback"
    settings.PAGE_CACHE_SECONDS = 30
    settings.PAGE_CACHE_LOCAL_SECONDS = 2.0
    settings.RATE_LIMITS_ENABLED = True
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    degraded.reset()
    caplog.set_level(logging.WARNING, logger="fitsperfect.degraded")
    seed_catalogue()
    yield caplog
    degraded.reset()


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "fitsperfect.degraded"]


def test_the_customer_journey_works_with_redis_down(redis_down):
    client = Client(raise_request_exception=False)
    assert client.get("/orthotics/").status_code == 200
    product = client.get("/orthotics/everyday/")
    assert product.status_code == 200 and b"Continue to checkout" in product.content
    chosen = client.post(
        "/orthotics/everyday/", {"size_system": "eu", "size": "42", "top_cover": "leather"}
    )
    assert chosen.status_code == 302 and chosen["Location"] == "/checkout/"
    assert Session.objects.exists()  # the choice is kept in the database meanwhile
    # No assessment: checkout asks the red-flag questions first (the answers wait in the session).
    assert client.get("/checkout/")["Location"] == "/checkout/health-check/"
    assert answer_health_check(client)["Location"] == "/checkout/"
    assert client.get("/checkout/").status_code == 200
    checkout = client.post("/checkout/", CHECKOUT)
    order = Order.objects.get()
    assert checkout.status_code == 302
    assert checkout["Location"] == f"/checkout/test-payment/{order.access_token}/"
    assert client.get(checkout["Location"]).status_code == 200
    paid = client.post(checkout["Location"], {"action": "pay"}, follow=True)
    assert paid.status_code == 200 and b"Paid" in paid.content
    order.refresh_from_db()
    assert order.is_paid
    scans_url = f"/orders/{order.access_token}/scans/"
    assert client.get(scans_url).status_code == 200
    stl = foot_mesh().export(file_type="stl")
    uploaded = client.post(scans_url, {"right_scan": SimpleUploadedFile("right.stl", stl)})
    assert uploaded.status_code in (200, 302)
    assert order.scans.exists()
    assert client.get(f"/orders/{order.access_token}/").status_code == 200
    # Logged once, not once per request.
    warnings = _warnings(redis_down)
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]


def test_rate_limits_still_count_per_process_with_redis_down(redis_down, settings):
    settings.RATE_LIMITS = [
        {"name": "checkout", "path": r"^/checkout/$", "key": "ip", "limit": 2, "window": 3600}
    ]
    client = Client(raise_request_exception=False)
    codes = [client.post("/checkout/", {}).status_code for _ in range(3)]
    assert codes[:2] != [429, 429] and codes[2] == 429


def test_the_fallback_is_logged_once_per_minute(redis_down, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(degraded.time, "monotonic", lambda: clock[0])
    degraded.reset()
    for _ in range(50):
        degraded.unavailable("test", ConnectionError("refused"))
        clock[0] += 1.0  # 50 failures over 50 seconds: one warning
    assert len(_warnings(redis_down)) == 1
    clock[0] += 10.0
    degraded.unavailable("test", ConnectionError("refused"))
    warnings = _warnings(redis_down)
    assert len(warnings) == 2 and "49 more failures" in warnings[1]


def test_sessions_made_while_redis_was_down_survive_its_return(redis_down, settings):
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store()
    session["choice"] = "everyday"
    session.save()
    assert Session.objects.filter(session_key=session.session_key).exists()
    degraded.reset()  # Redis "answers" again (still a dead port: a miss falls to the database)
    again = store(session.session_key)
    assert again["choice"] == "everyday"
    again["choice"] = "sport"
    again.save()
    assert store(session.session_key)["choice"] == "sport"
