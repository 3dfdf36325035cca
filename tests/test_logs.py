"""Logs and error reports contain no health answers, addresses, card numbers or secrets.

The flows run with the configured handlers (settings.LOGGING, with fitsperfect.logging's filter)
writing to a buffer at DEBUG; the buffer is then searched for every sensitive value used.
"""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter

from fitsperfect.logging import RedactingExceptionReporterFilter, RedactingFilter, redact
from orders.tests.factories import create_order, seed_catalogue

pytestmark = pytest.mark.django_db

CARD = "4242 4242 4242 4242"
POSTCODE = "ZZ9 9ZZ"
STREET = "742 Evergreen Terrace"
CONDITION = "type-2-diabetes-and-gout"
STRIPE_SECRET = "whsec_logsSECRET0123456789"
API_KEY = "sk_live_logsSECRET0123456789"
LAB_SECRET = "lab-logs-SECRET-0123456789"
PASSWORD = "hunter2-correct-horse"


def test_redact_masks_what_must_not_be_written_down(settings):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    text = redact(
        f"card={CARD} 4000-0566-5566-5556 key {API_KEY} other sk_test_abcDEF123 {STRIPE_SECRET} "
        f"Authorization: Bearer abc.def.ghi password={PASSWORD} "
        f"{{'postcode': '{POSTCODE}', 'address_line1': '{STREET}'}} "
        f"Stripe-Signature t=1700000000,v1=deadbeefcafe mail ann.smith@example.com "
        f"GET /orders/{'A' * 43}/ result /assessment/result/{'b' * 43}/"
    )
    for secret in (
        CARD,
        "4000-0566-5566-5556",
        API_KEY,
        "sk_test_abcDEF123",
        STRIPE_SECRET,
        "abc.def.ghi",
        PASSWORD,
        POSTCODE,
        STREET,
        "deadbeefcafe",
        "ann.smith@",
        "A" * 43,
        "b" * 43,
    ):
        assert secret not in text, secret
    # Order numbers and ordinary numbers stay readable.
    assert redact("order FP-2026-000123 total 14900") == "order FP-2026-000123 total 14900"
    assert redact("1234 5678 9012 3456") == "1234 5678 9012 3456"  # not a card (Luhn)


def test_the_filter_is_on_every_configured_handler():
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    configured = [h for h in handlers if any(isinstance(f, RedactingFilter) for f in h.filters)]
    assert configured, "settings.LOGGING's console handler has lost the redacting filter"


@pytest.fixture
def log_buffer(settings):
    """The configured console handler, writing to a buffer at DEBUG for the test."""
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.STRIPE_SECRET_KEY = ""
    settings.LAB_WEBHOOK_SECRET = LAB_SECRET
    settings.RATE_LIMITS_ENABLED = False
    root = logging.getLogger()
    handler = next(
        h
        for h in root.handlers
        if any(isinstance(f, RedactingFilter) for f in getattr(h, "filters", []))
    )
    buffer = io.StringIO()
    old_stream, old_level, old_handler_level = handler.stream, root.level, handler.level
    handler.setStream(buffer)
    root.setLevel(logging.DEBUG)
    handler.setLevel(logging.DEBUG)
    quiet = logging.getLogger("django.db.backends")
    old_quiet = quiet.level
    quiet.setLevel(logging.DEBUG)  # SQL with parameters: the worst case
    yield buffer
    handler.setStream(old_stream)
    root.setLevel(old_level)
    handler.setLevel(old_handler_level)
    quiet.setLevel(old_quiet)


def test_representative_flows_leave_nothing_sensitive_in_the_logs(log_buffer, settings):
    seed_catalogue()
    client = Client()
    order = create_order(email="logme@example.com")
    # A checkout with an address (and a card number typed where it should not be).
    client.post("/orthotics/everyday/", {"size_system": "eu", "size": "42", "top_cover": "leather"})
    client.post("/checkout/health-check/", {"flags": "none", "adult": "yes"})  # asked first
    client.post(
        "/checkout/",
        {
            "email": "buyer@example.com",
            "full_name": "Buyer Person",
            "address_line1": STREET,
            "address_line2": CARD,
            "city": "Springfield",
            "postcode": POSTCODE,
            "country": "GB",
            "checkout_key": "k" * 32,
        },
    )
    # Health answers (after consent, so they are really stored and could be logged).
    client.post("/assessment/your-health-information/", {"agree": "on"})
    client.post(
        "/assessment/questions/about-you/",
        {"age": "40", "sex": "female", "height_cm": "170", "weight_kg": "70"},
    )
    client.post("/assessment/questions/activity/", {"conditions": CONDITION})
    from assessments.progress import SESSION_ANSWERS

    assert client.session[SESSION_ANSWERS]["about"]["age"] == 40  # really stored
    # A failed login with a password and an Authorization header.
    client.post(
        "/accounts/login/",
        {"username": "nobody", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Bearer {API_KEY}",
    )
    # Forged webhooks (their signatures and bodies are logged as bad requests).
    client.post(
        "/webhooks/stripe/",
        '{"id": "evt_1", "type": "checkout.session.completed"}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t=1,v1={'ab' * 32}",
    )
    # A mistyped order link: django.request logs the path, which is the key to the order.
    client.get(f"/orders/{order.access_token}x/")
    # An explicit log line of the kind someone might add while debugging.
    logging.getLogger("orders").warning(
        "debug %s", {"postcode": POSTCODE, "api_key": API_KEY, "secret": LAB_SECRET}
    )
    text = log_buffer.getvalue()
    assert "Not Found" in text  # the flows did log (the buffer is the real handler)
    for value in (
        CARD,
        POSTCODE,
        STREET,
        CONDITION,
        STRIPE_SECRET,
        API_KEY,
        LAB_SECRET,
        PASSWORD,
        order.access_token,
    ):
        assert value not in text, f"{value!r} reached the log"


def test_error_reports_hide_every_form_value_and_signature(settings):
    """Django's 500 emails and debug pages: POST values, cookies and signatures hidden."""
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = (
        "fitsperfect.logging.RedactingExceptionReporterFilter"
    )
    request = RequestFactory().post(
        "/checkout/",
        {"address_line1": STREET, "postcode": POSTCODE, "conditions": CONDITION},
        HTTP_STRIPE_SIGNATURE=f"t=1,v1={'cd' * 32}",
        HTTP_AUTHORIZATION=f"Bearer {API_KEY}",
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        report = reporter.get_traceback_text()
    for value in (STREET, POSTCODE, CONDITION, "cd" * 32, API_KEY):
        assert value not in report, value
    cleaned = RedactingExceptionReporterFilter().get_post_parameters(request)
    assert set(cleaned.values()) == {RedactingExceptionReporterFilter.cleansed_substitute}
