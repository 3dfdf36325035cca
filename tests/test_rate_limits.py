"""Rate limits (fitsperfect.ratelimit): each configured limit lets N requests through and answers the
next with a 429 page and Retry-After; windows reset; addresses can't be spoofed with headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from fitsperfect import ratelimit

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # a window boundary for every window used here (divisible by 3600)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Failed logins still hash once (against timing attacks): a cheap hasher keeps this quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """A hand-driven clock for the limiter's windows: tests move time instead of sleeping."""

    class Clock:
        value = START

        def advance(self, seconds: float) -> None:
            self.value += seconds

    instance = Clock()
    monkeypatch.setattr(ratelimit, "now", lambda: instance.value)
    return instance


def rule(name: str) -> dict:
    return next(r for r in settings.RATE_LIMITS if r["name"] == name)


def post(client: Client, path: str, data: dict | None = None, ip: str = "203.0.113.7", **extra):
    return client.post(path, data or {}, REMOTE_ADDR=ip, **extra)


# (rule name, a path the rule covers, form data). Paths with made-up tokens are fine: the limit
# counts attempts before the view runs, which is what stops enumeration of tokens too.
LIMITED = [
    ("login-ip", "/accounts/login/", None),
    ("login-ip", "/admin/login/", None),
    ("password-reset", "/accounts/password_reset/", {"email": "x@example.com"}),
    ("signup", "/accounts/signup/", {}),
    ("assessment-steps", "/assessment/questions/no-such-step/", {}),
    ("assessment-steps", "/assessment/your-health-information/", {}),
    ("assessment-submit", "/assessment/check-your-answers/", {}),
    ("assessment-email", "/assessment/result/not-a-token/email/", {"email": "x@example.com"}),
    ("clinic-message", "/assessment/talk-to-a-clinician/", {"name": ""}),
    ("clinic-message", "/assessment/result/not-a-token/talk-to-a-clinician/", {}),
    ("newsletter", "/articles/newsletter/", {"email": "not-an-email"}),
    ("checkout", "/checkout/", {}),
    ("order-lookup", "/orders/", {"number": "FP-0", "email": "x@example.com"}),
    ("scan-upload", "/orders/not-a-token/scans/", {}),
]


@pytest.mark.parametrize(("name", "path", "data"), LIMITED, ids=[f"{n}:{p}" for n, p, _ in LIMITED])
def test_limit_allows_n_then_answers_429(client: Client, clock, settings, name, path, data):
    # Failed passwords lock out sooner through django-axes (tests/test_login_lockout.py); this
    # checks the flood limit on its own.
    settings.AXES_ENABLED = False
    limit = rule(name)["limit"]
    for attempt in range(limit):
        # Logins use a fresh username each time so only the per-address rule is in play.
        payload = data if data is not None else {"username": f"u{attempt}", "password": "x"}
        response = post(client, path, payload)
        assert response.status_code != 429, f"attempt {attempt + 1} of {limit} was refused"
    payload = data if data is not None else {"username": "last", "password": "x"}
    response = post(client, path, payload)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= rule(name)["window"]
    body = response.content.decode()
    assert "Too many attempts" in body
    assert 'class="site-header"' in body  # the site's own page, not a bare error
    assert response["Cache-Control"] == "no-store"
    # Another address is not affected.
    assert post(client, path, payload, ip="198.51.100.9").status_code != 429


def test_limit_resets_when_the_window_ends(client: Client, clock):
    window = rule("newsletter")["window"]
    for _ in range(rule("newsletter")["limit"]):
        post(client, "/articles/newsletter/", {"email": "bad"})
    refused = post(client, "/articles/newsletter/", {"email": "bad"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == window
    clock.advance(window - 1)
    assert post(client, "/articles/newsletter/", {"email": "bad"}).status_code == 429
    clock.advance(1)
    assert post(client, "/articles/newsletter/", {"email": "bad"}).status_code == 400  # the form


def test_retry_after_counts_down_to_the_end_of_the_window(client: Client, clock):
    for _ in range(rule("order-lookup")["limit"]):
        post(client, "/orders/", {})
    clock.advance(600)
    refused = post(client, "/orders/", {})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == rule("order-lookup")["window"] - 600


def test_reading_pages_is_never_limited(client: Client, clock):
    for _ in range(rule("order-lookup")["limit"] + 5):
        assert client.get("/orders/", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(client: Client, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(rule("order-lookup")["limit"]):
        post(client, "/orders/", {}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    # A bot rotating the header is still one address.
    response = post(client, "/orders/", {}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_trusted_proxy_count_takes_the_client_from_forwarded_for(client: Client, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(rule("order-lookup")["limit"]):
        post(client, "/orders/", {}, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.50")
    # The proxy (REMOTE_ADDR) is shared by everyone: other clients behind it are not blocked...
    other = post(client, "/orders/", {}, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert other.status_code == 200
    # ...and the client's own left-hand spoofed entries don't help it.
    again = post(
        client, "/orders/", {}, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50"
    )
    assert again.status_code == 429


def test_client_ip_falls_back_to_remote_addr_with_too_few_hops(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert ratelimit.client_ip(request) == "10.0.0.1"
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 10.0.0.2"
    )
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_switching_the_limiter_off(client: Client, clock, settings):
    settings.RATE_LIMITS_ENABLED = False
    for _ in range(rule("order-lookup")["limit"] + 3):
        assert post(client, "/orders/", {}).status_code == 200


def test_unknown_key_kind_is_a_configuration_error(settings):
    settings.RATE_LIMITS = [{"name": "x", "path": "^/", "key": "cookie", "limit": 1, "window": 1}]
    with pytest.raises(ValueError, match="unknown key"):
        ratelimit.rules()
