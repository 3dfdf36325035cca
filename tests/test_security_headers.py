"""Security headers and cookies under the production settings, and the private pages' headers.

The production values are read from a subprocess that loads `fitsperfect.settings` with
`DJANGO_ENV=production` (so a change there is what these tests see), then applied to this process's
settings for requests through the test client. `manage.py check --deploy` itself runs in
tests/test_skeleton.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.urls import resolve

from assessments.tests.factories import UserFactory, submitted
from fitsperfect.security import SensitivePageMiddleware
from orders.tests.factories import create_order

pytestmark = pytest.mark.django_db

PRODUCTION_NAMES = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "PERMISSIONS_POLICY",
    "CONTENT_SECURITY_POLICY",
    "DEBUG",
]
_DUMP = """
import json, django
django.setup()
from django.conf import settings
names = json.loads(input())
print(json.dumps({n: getattr(settings, n, None) for n in names}, default=str))
"""


@pytest.fixture(scope="module")
def production_values() -> dict:
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "fitsperfect.settings",
        "SECRET_KEY": "headers-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "fitsperfect.example",
        "STRIPE_SECRET_KEY": "sk_live_placeholder_for_headers",
        "STRIPE_WEBHOOK_SECRET": "whsec_placeholder_for_headers",
        "LAB_WEBHOOK_SECRET": "lab-secret-for-headers",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", _DUMP],
        input=json.dumps(PRODUCTION_NAMES),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        if name == "SECURE_PROXY_SSL_HEADER" and value is not None:
            value = tuple(value)
        if value is not None:
            setattr(settings, name, value)
    settings.DEBUG = False
    return settings


@pytest.fixture
def https() -> Client:
    return Client(HTTP_HOST="testserver")


def get(client: Client, path: str, **extra):
    return client.get(path, secure=True, **extra)


def test_production_settings_are_strict(production_values):
    values = production_values
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_plain_http_is_redirected_to_https(production, https):
    response = https.get("/articles/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_behind_the_proxy_forwarded_proto_counts_as_https(production, https):
    response = https.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


PAGES = ["/", "/articles/", "/orthotics/", "/assessment/", "/orders/", "/accounts/login/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(production, https, path):
    response = get(https, path)
    assert response.status_code == 200
    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts and "preload" in hsts
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "base-uri 'self'" in policy
    assert re.search(r"default-src 'self'", policy)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] in {
        "strict-origin-when-cross-origin",
        "same-origin",
        "no-referrer",
    }
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _cookie(response, name: str):
    morsel = response.cookies.get(name)
    assert morsel is not None, f"{name} cookie not set"
    return morsel


def test_csrf_cookie_is_secure_httponly_and_samesite(production, https):
    response = get(https, "/accounts/login/")
    cookie = _cookie(response, "csrftoken")
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() in {"lax", "strict"}


def test_session_cookie_is_secure_httponly_and_samesite(production, https, django_user_model):
    django_user_model.objects.create_user("dana", password="demo-pass-123")
    https.get("/accounts/login/", secure=True)
    token = https.cookies["csrftoken"].value
    response = https.post(
        "/accounts/login/",
        {"username": "dana", "password": "demo-pass-123", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302
    cookie = _cookie(response, "sessionid")
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() in {"lax", "strict"}
    raw = SimpleCookie(response.cookies.output(header="", sep="\n"))
    assert "sessionid" in raw


# --- Private pages: no index, no shared cache, the URL never sent to another site ----------------


def _assert_private(response, *, referrer=("no-referrer", "same-origin")):
    assert response["Referrer-Policy"] in referrer
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    if response.get("Content-Type", "").startswith("text/html"):
        assert re.search(rb'<meta name="robots" content="noindex', response.content)


def test_order_page_sends_no_referrer_and_is_not_indexed(production, https):
    order = create_order()
    type(order).objects.filter(pk=order.pk).update(status="awaiting_scans")
    response = get(https, order.get_absolute_url())
    assert response.status_code == 200
    assert b'method="post"' not in response.content.lower()
    _assert_private(response, referrer=("no-referrer",))


def test_order_page_with_a_form_keeps_its_url_from_other_sites(production, https, settings):
    """With the "Pay" form, `same-origin`: `no-referrer` makes browsers send Origin: null, which
    the CSRF check refuses (see the browser test below)."""
    order = create_order()
    response = get(https, order.get_absolute_url())
    assert b'value="pay"' in response.content
    _assert_private(response, referrer=("same-origin",))


def _click_pay(page, settings):
    settings.RATE_LIMITS_ENABLED = False
    order = create_order()
    page.goto(order.get_absolute_url())
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("button[value=pay]").click()
    return posted.value


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pay_button_on_the_private_order_page_passes_csrf(page, settings):
    response = _click_pay(page, settings)
    assert response.status != 403
    assert response.request.headers.get("origin") != "null"


def test_result_page_is_private_and_not_indexed(production, https):
    assessment = submitted()
    response = get(https, f"/assessment/result/{assessment.token}/")
    assert response.status_code == 200
    _assert_private(response)


def test_account_and_lookup_pages_are_private(production, https, django_user_model):
    user = UserFactory(username="erin")
    https.force_login(user)
    for path in ("/account/", "/orders/", "/assessment/mine/"):
        response = get(https, path)
        assert response.status_code == 200, path
        _assert_private(response)


def test_clinic_pages_are_private(production, https):
    from assessments.tests.factories import clinician

    https.force_login(clinician())
    assessment = submitted()
    for path in ("/clinic/", f"/clinic/assessments/{assessment.pk}/"):
        response = get(https, path)
        assert response.status_code == 200, path
        _assert_private(response)


def test_middleware_adds_private_headers_by_url_name(rf, settings):
    """The middleware alone: a sensitive URL name gets the headers even if the view forgot them."""
    from django.http import HttpResponse

    settings.SENSITIVE_URL_NAMES = ["orders:order_detail"]
    request = rf.get("/orders/abc/")
    request.resolver_match = resolve("/orders/abc/")
    response = SensitivePageMiddleware(lambda r: HttpResponse("x"))(request)
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"
    # A view's looser policy is overridden.
    loose = HttpResponse("x")
    loose["Referrer-Policy"] = "unsafe-url"
    response = SensitivePageMiddleware(lambda r: loose)(request)
    assert response["Referrer-Policy"] == "no-referrer"
    # ...except on a page with a POST form: it would break the form's CSRF.
    form_page = HttpResponse('<form method="post" action="/x/"></form>')
    form_page["Referrer-Policy"] = "no-referrer"
    response = SensitivePageMiddleware(lambda r: form_page)(request)
    assert response["Referrer-Policy"] == "same-origin"
    # Public pages are left alone.
    public = rf.get("/articles/")
    public.resolver_match = resolve("/articles/")
    response = SensitivePageMiddleware(lambda r: HttpResponse("x"))(public)
    assert "X-Robots-Tag" not in response


def test_tokens_in_urls_carry_at_least_128_bits():
    """Order and result tokens: 32 random bytes, URL-safe base64 (43 characters)."""
    order = create_order()
    assessment = submitted()
    for token in (order.access_token, assessment.token):
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)
        assert len(token) * 6 >= 128
    assert create_order(email="other@example.com").access_token != order.access_token
