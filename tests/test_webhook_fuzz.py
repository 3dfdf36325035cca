"""Hostile deliveries to both webhooks, and property-based fuzzing of every public form.

Webhooks: forged and replayed signatures, stale timestamps, oversized or malformed bodies and the
wrong content type all get a 400/413, change nothing, and leave no trace of the secret in the logs.
Forms: arbitrary text, unicode, huge values and missing fields never give a 500 and never leave
half a write behind (row counts before/after).
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assessments.forms import AboutForm, ActivityForm, PainForm, RedFlagForm
from fitsperfect.accounts.forms import SignupForm
from orders.checkout.forms import CheckoutForm
from orders.payments import testmode
from orders.tests.factories import create_order
from tests.fakes.stripe import event, signature_header

pytestmark = pytest.mark.django_db

STRIPE_SECRET = "whsec_fuzzSECRETvalue0123456789abcdef"
LAB_SECRET = "lab-fuzz-SECRET-value-0123456789abcdef"
FUZZ = hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _secrets_and_no_limits(settings):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.LAB_WEBHOOK_SECRET = LAB_SECRET
    settings.RATE_LIMITS_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def snapshot() -> dict:
    """Everything a delivery could change, apart from the record of invalid deliveries."""
    order_model = apps.get_model("orders", "Order")
    state = {
        "orders": sorted(order_model.objects.values_list("pk", "status", "amount_paid")),
        "status_changes": apps.get_model("orders", "OrderStatusChange").objects.count(),
        "stripe_valid": apps.get_model("payments", "StripeEvent")
        .objects.filter(valid=True)
        .count(),
        "payments": apps.get_model("payments", "Payment").objects.count(),
    }
    lab_event = model("lab.LabEvent")
    if lab_event is not None:
        state["lab_valid"] = lab_event.objects.filter(valid=True).count()
    return state


def stripe_post(client: Client, body: str | bytes, signature: str | None, **extra):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(
        "/webhooks/stripe/",
        data=body,
        content_type=extra.pop("content_type", "application/json"),
        **headers,
        **extra,
    )


@pytest.fixture
def completed_event():
    order = create_order()
    return order, json.dumps(
        event("checkout.session.completed", testmode.test_session_object(order))
    )


def _assert_no_secret(logs, *responses):
    text = logs.text
    for secret in (STRIPE_SECRET, LAB_SECRET):
        assert secret not in text
        for response in responses:
            assert secret.encode() not in response.content


# --- Stripe --------------------------------------------------------------------------------------


def test_stripe_forged_signature_changes_nothing(client, completed_event, logs):
    _order, body = completed_event
    before = snapshot()
    forged = stripe_post(client, body, signature_header(body, "whsec_guessed"))
    unsigned = stripe_post(client, body, None)
    garbage = stripe_post(client, body, "t=abc,v1=zz")
    for response in (forged, unsigned, garbage):
        assert response.status_code == 400
    assert snapshot() == before
    _assert_no_secret(logs, forged, unsigned, garbage)
    stored = apps.get_model("payments", "StripeEvent").objects.filter(valid=False)
    assert all(STRIPE_SECRET not in (e.error + e.raw_body) for e in stored)


def test_stripe_stale_or_future_timestamp_is_refused(client, completed_event, logs):
    _order, body = completed_event
    before = snapshot()
    stale = stripe_post(
        client, body, signature_header(body, STRIPE_SECRET, int(time.time()) - 3600)
    )
    future = stripe_post(
        client, body, signature_header(body, STRIPE_SECRET, int(time.time()) + 3600)
    )
    assert stale.status_code == 400 and future.status_code == 400
    assert snapshot() == before
    _assert_no_secret(logs, stale, future)


def test_stripe_replay_is_applied_once(
    client, completed_event, logs, django_capture_on_commit_callbacks
):
    order, body = completed_event
    header = signature_header(body, STRIPE_SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        first = stripe_post(client, body, header)
    assert first.status_code == 200
    after_first = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = stripe_post(client, body, header)
    assert again.status_code == 200
    assert snapshot() == after_first
    order.refresh_from_db()
    assert apps.get_model("payments", "Payment").objects.filter(order=order).count() <= 1
    _assert_no_secret(logs, first, again)


def test_stripe_oversized_body_is_refused_unread(client, completed_event, settings):
    _order, body = completed_event
    StripeEvent = apps.get_model("payments", "StripeEvent")
    stored = StripeEvent.objects.count()
    padded = body[:-1] + ', "padding": "' + "x" * (settings.WEBHOOK_MAX_BODY_BYTES) + '"}'
    response = stripe_post(client, padded, signature_header(padded, STRIPE_SECRET))
    assert response.status_code == 413
    assert StripeEvent.objects.count() == stored  # not even stored as an invalid delivery


def test_stripe_malformed_json_and_wrong_content_type(client, logs):
    before = snapshot()
    for body in ("{not json", "[]", '"a string"', "", "\ufeff{}"):
        response = stripe_post(client, body, signature_header(body, STRIPE_SECRET))
        assert response.status_code == 400, body
    payload = json.dumps({"id": "evt_x", "type": "checkout.session.completed"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = client.generic(
            "POST",
            "/webhooks/stripe/",
            payload,
            content_type=content_type,
            HTTP_STRIPE_SIGNATURE=signature_header(payload, STRIPE_SECRET),
        )
        assert response.status_code == 400, content_type
    assert snapshot() == before
    _assert_no_secret(logs)


@FUZZ
@given(
    body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)),
    signature=st.one_of(st.none(), st.text(max_size=200)),
)
def test_stripe_webhook_fuzz(client, body, signature):
    before = snapshot()
    headers = {}
    if signature is not None and "\n" not in signature and "\r" not in signature:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    response = client.generic(
        "POST", "/webhooks/stripe/", body, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_stripe_invalid_body_with_nul_bytes_is_a_400_not_a_500(client):
    """PostgreSQL refuses NUL in text columns: storing the invalid delivery must not crash."""
    body = '{"id": "evt_\x00", "type": "x\x00"}'
    response = stripe_post(client, body, "t=1,v1=00")
    assert response.status_code == 400


# --- Lab -----------------------------------------------------------------------------------------

lab_route = pytest.mark.skipif(
    model("lab.LabEvent") is None, reason="the lab webhook is not in this checkout yet"
)


def lab_post(client: Client, body: bytes, signature: str | None, content_type="application/json"):
    from orders.lab.webhooks import WEBHOOK_SIGNATURE_HEADER

    header = "HTTP_" + WEBHOOK_SIGNATURE_HEADER.upper().replace("-", "_")
    extra = {header: signature} if signature is not None else {}
    return client.generic("POST", "/webhooks/lab/", body, content_type=content_type, **extra)


def _lab_body(**overrides) -> bytes:
    data = {
        "id": "evt_lab_1",
        "type": "received",
        "created_at": "2026-01-01T00:00:00Z",
        "data": {"submission_id": "00000000-0000-0000-0000-000000000000"},
    }
    data.update(overrides)
    return json.dumps(data).encode()


@lab_route
def test_lab_forged_stale_oversized_malformed_and_wrong_type(client, settings, logs):
    from orders.lab.webhooks import sign_lab_webhook

    before = snapshot()
    body = _lab_body()
    responses = [
        lab_post(client, body, sign_lab_webhook(body, "guessed-secret")),
        lab_post(client, body, None),
        lab_post(client, body, sign_lab_webhook(body, LAB_SECRET, int(time.time()) - 3600)),
        lab_post(client, b"{not json", sign_lab_webhook(b"{not json", LAB_SECRET)),
        lab_post(client, b"[]", sign_lab_webhook(b"[]", LAB_SECRET)),
        lab_post(client, body, sign_lab_webhook(body, LAB_SECRET), content_type="text/plain"),
    ]
    for response in responses:
        assert response.status_code == 400, response.content
    big = _lab_body(padding="x" * settings.WEBHOOK_MAX_BODY_BYTES)
    assert lab_post(client, big, sign_lab_webhook(big, LAB_SECRET)).status_code == 413
    assert snapshot() == before
    _assert_no_secret(logs, *responses)
    LabEvent = model("lab.LabEvent")
    assert all(LAB_SECRET not in (e.error + e.raw_body) for e in LabEvent.objects.all())


@lab_route
@FUZZ
@given(
    body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)),
    signature=st.one_of(st.none(), st.text(max_size=200)),
)
def test_lab_webhook_fuzz(client, body, signature):
    before = snapshot()
    if signature is not None and ("\n" in signature or "\r" in signature):
        signature = None
    response = lab_post(client, body, signature)
    assert response.status_code == 400
    assert snapshot() == before


@lab_route
def test_lab_invalid_body_with_nul_bytes_is_a_400_not_a_500(client):
    response = lab_post(client, b'{"id": "\\u0000\x00"}', "t=1,v1=00")
    assert response.status_code == 400


# --- Public forms --------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "ann@example.com",
            "x" * 10_000,
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "\u202e\ufeff",
            "😀" * 100,
        ]
    ),
)


def form_data(fields: list[str]):
    """Any subset of the fields (missing ones are left out), each any hostile value or a list."""
    value = st.one_of(hostile_text, st.lists(hostile_text, max_size=3))
    return st.dictionaries(st.sampled_from(fields), value, max_size=len(fields))


def counts(*labels: str) -> dict:
    return {label: apps.get_model(label).objects.count() for label in labels}


def _no_500(response):
    assert response.status_code < 500, response.content[:500]


NEWSLETTER = ["email", "article", "website"]


@FUZZ
@given(data=form_data(NEWSLETTER))
def test_newsletter_fuzz(data):
    client = Client()
    before = counts("content.Subscriber")
    response = client.post("/articles/newsletter/", data)
    _no_500(response)
    after = counts("content.Subscriber")
    assert after["content.Subscriber"] - before["content.Subscriber"] in (0, 1)
    if response.status_code != 302:
        assert after == before


LOOKUP = ["number", "email"]


@FUZZ
@given(data=form_data(LOOKUP))
def test_order_lookup_fuzz(data):
    response = Client().post("/orders/", data)
    _no_500(response)
    assert response.status_code in (200, 302, 400)


# Field names come from the forms themselves, so a field added later is fuzzed too.
SIGNUP = list(SignupForm.base_fields)


@FUZZ
@given(data=form_data(SIGNUP))
def test_signup_fuzz(data):
    before = counts("auth.User")
    response = Client().post("/accounts/signup/", data)
    _no_500(response)
    if response.status_code != 302:
        assert counts("auth.User") == before


@FUZZ
@given(data=form_data(["username", "password", "next"]))
def test_login_fuzz(data):
    response = Client().post("/accounts/login/", data)
    _no_500(response)
    if response.status_code == 302:
        assert response["Location"].startswith("/")
        assert not response["Location"].startswith("//")


STEP_FIELDS = {
    "about-you": list(AboutForm.base_fields),
    "your-pain": list(PainForm.base_fields),
    "health-check": list(RedFlagForm.base_fields),
    "activity": list(ActivityForm.base_fields),
}


@FUZZ
@given(
    slug=st.sampled_from(sorted(STEP_FIELDS)),
    data=st.sampled_from(sorted(STEP_FIELDS)).flatmap(lambda s: form_data(STEP_FIELDS[s])),
)
def test_assessment_steps_fuzz(slug, data):
    """A visitor who gave consent (so the step's form itself is reached), then arbitrary data."""
    from assessments.consent import consent_give

    client = Client()
    session = client.session
    consent_give(session)
    session.save()
    before = counts("assessments.Assessment")
    response = client.post(f"/assessment/questions/{slug}/", data)
    _no_500(response)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert "your-health-information" not in response.url
    else:
        assert counts("assessments.Assessment") == before


@FUZZ
@given(data=form_data(["agree"]))
def test_health_data_consent_fuzz(data):
    client = Client()
    response = client.post("/assessment/your-health-information/", data)
    _no_500(response)
    assert counts("assessments.Assessment") == {"assessments.Assessment": 0}  # stores nothing
    given = "assessment_consent" in client.session
    assert given == (response.status_code == 302)


@FUZZ
@given(data=form_data(["contact_email", "consent", "confirm"]))
def test_assessment_submission_fuzz(data):
    """A complete draft in the session, then an arbitrary submission form."""
    from assessments.tests.factories import DraftFactory

    client = Client()
    draft = DraftFactory()
    session = client.session
    session["assessment_draft_token"] = draft.token
    session.save()
    response = client.post("/assessment/check-your-answers/", data)
    _no_500(response)
    draft.refresh_from_db()
    if response.status_code != 302:
        assert draft.status == draft.Status.DRAFT  # not half submitted


CHECKOUT = list(CheckoutForm.base_fields)


@pytest.fixture
def chosen_client():
    """A visitor who has chosen a product (the checkout needs a selection in the session)."""
    from orders.tests.factories import seed_catalogue

    seed_catalogue()
    return Client()


@FUZZ
@given(data=form_data(CHECKOUT))
def test_checkout_fuzz(chosen_client, data):
    client = chosen_client
    client.post("/orthotics/everyday/", {"size_system": "eu", "size": "42", "top_cover": "leather"})
    client.post("/checkout/health-check/", {"flags": "none", "adult": "yes"})  # asked first
    before = counts("orders.Order", "orders.OrderLine")
    response = client.post("/checkout/", data)
    _no_500(response)
    after = counts("orders.Order", "orders.OrderLine")
    created = after["orders.Order"] - before["orders.Order"]
    lines = after["orders.OrderLine"] - before["orders.OrderLine"]
    assert created in (0, 1)
    assert (created == 0) == (lines == 0)  # never an order without its lines, or lines alone
    if response.status_code == 200:
        assert created == 0


@FUZZ
@given(data=form_data(["flags", "adult"]))
def test_checkout_health_check_fuzz(chosen_client, data):
    """Whatever is posted to checkout's health questions: no error, and never an order."""
    client = chosen_client
    client.post("/orthotics/everyday/", {"size_system": "eu", "size": "42", "top_cover": "leather"})
    response = client.post("/checkout/health-check/", data)
    _no_500(response)
    assert response.status_code in (200, 302)
    assert counts("orders.Order") == {"orders.Order": 0}
