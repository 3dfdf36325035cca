"""CSRF on every state-changing form, the deliberate exemptions, and open redirects refused."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from assessments.tests.factories import UserFactory, clinician, submitted
from orders.tests.factories import create_order, seed_catalogue

pytestmark = pytest.mark.django_db

# Views that take POSTs without a CSRF token, and why: webhooks are signed (HMAC) and come from
# servers; the newsletter sign-up only asks for a double opt-in email (see below).
ALLOWED_EXEMPT = {
    "payments:stripe_webhook",
    "orders:lab_webhook",
    "content:newsletter_subscribe",
    # Exempt on the outside only to install the streaming upload handlers before the body is
    # read; the inner view is csrf_protect (test_every_post_without_a_token_is_refused proves it).
    "orders:scans",
}


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def things():
    seed_catalogue()
    user = UserFactory(username="fay", email="fay@example.com")
    assessment = submitted()
    order = create_order(email="fay@example.com", user=user)
    return {"user": user, "assessment": assessment, "order": order, "clinician": clinician()}


def _forms(t):
    """(who is signed in, URL) of every form that changes something."""
    order, assessment = t["order"], t["assessment"]
    return [
        (None, "/accounts/login/"),
        (None, "/admin/login/"),
        ("user", "/accounts/logout/"),
        ("user", "/accounts/password_change/"),
        ("user", "/account/delete-my-data/"),
        (None, "/accounts/password_reset/"),
        (None, "/accounts/signup/"),
        (None, "/assessment/your-health-information/"),
        (None, "/assessment/questions/about-you/"),
        (None, "/assessment/check-your-answers/"),
        (None, f"/assessment/result/{assessment.token}/email/"),
        ("clinician", f"/clinic/assessments/{assessment.pk}/"),
        (None, "/orthotics/everyday/"),
        (None, "/checkout/"),
        (None, "/checkout/health-check/"),
        ("clinician", f"/clinic/orders/{order.pk}/"),
        (None, f"/checkout/test-payment/{order.access_token}/"),
        (None, "/orders/"),
        (None, f"/orders/{order.access_token}/"),
        (None, f"/orders/{order.access_token}/scans/"),
    ]


def _client(t, who) -> Client:
    client = Client(enforce_csrf_checks=True)
    if who:
        client.force_login(t[who])
    return client


def test_every_post_without_a_token_is_refused(things):
    accepted = []
    for who, url in _forms(things):
        response = _client(things, who).post(url, {"email": "x@example.com", "action": "pay"})
        if response.status_code != 403:
            accepted.append((url, response.status_code))
    assert not accepted, f"POSTs without a CSRF token that were not refused: {accepted}"


def test_every_post_form_on_those_pages_carries_a_token(things):
    missing = []
    for who, url in _forms(things):
        response = _client(things, who).get(url, follow=True)
        html = response.content.decode()
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S | re.I):
            if re.search(r'method=["\']?post', form, re.I) and "csrfmiddlewaretoken" not in form:
                if "/articles/newsletter/" in form:  # the deliberate exemption
                    continue
                missing.append(url)
    assert not missing, missing


def test_only_the_deliberate_views_are_csrf_exempt():
    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern):
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                yield name, entry.callback

    exempt = {
        name or repr(callback)
        for name, callback in walk(get_resolver().url_patterns)
        if getattr(callback, "csrf_exempt", False)
        and not (name or "").startswith("admin:")  # admin's own views enforce CSRF themselves
    }
    assert exempt <= ALLOWED_EXEMPT, exempt - ALLOWED_EXEMPT


def test_a_forged_newsletter_sign_up_can_do_no_more_than_ask_for_a_confirmation(
    django_capture_on_commit_callbacks,
):
    """The sign-up is CSRF-exempt on purpose; a forged one only sends a double opt-in email."""
    from content.models import Subscriber
    from content.tests.factories import SubscriberFactory

    confirmed = SubscriberFactory(email="kept@example.com", status=Subscriber.Status.CONFIRMED)
    forger = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        new = forger.post("/articles/newsletter/", {"email": "victim@example.com"})
        again = forger.post("/articles/newsletter/", {"email": "kept@example.com"})
    assert new.status_code == 302 and again.status_code == 302
    victim = Subscriber.objects.get(email="victim@example.com")
    assert victim.status != Subscriber.Status.CONFIRMED  # nobody is subscribed without clicking
    confirmed.refresh_from_db()
    assert confirmed.status == Subscriber.Status.CONFIRMED  # nor unsubscribed
    assert len(mail.outbox) <= 1
    assert "sessionid" not in new.cookies  # nobody is signed in or given a session
    assert "_auth_user_id" not in forger.session


# --- Open redirects ---------------------------------------------------------------------------

EVIL = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    " https://evil.example",
    "http://testserver@evil.example",
]


def _local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", EVIL)
def test_login_next_refuses_other_hosts(things, target):
    client = Client()
    response = client.post(
        f"/accounts/login/?next={target}",
        {"username": "fay", "password": "demo-pass-123", "next": target},
    )
    assert response.status_code == 302
    assert _local(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_admin_login_next_refuses_other_hosts(target, django_user_model):
    django_user_model.objects.create_user("boss", password="demo-pass-123", is_staff=True)
    response = Client().post(
        "/admin/login/", {"username": "boss", "password": "demo-pass-123", "next": target}
    )
    assert response.status_code == 302
    assert _local(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_logout_next_refuses_other_hosts(things, target):
    client = Client()
    client.force_login(things["user"])
    response = client.post(f"/accounts/logout/?next={target}", {"next": target})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert _local(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_clinic_review_next_refuses_other_hosts(things, target):
    client = Client()
    client.force_login(things["clinician"])
    pk = things["assessment"].pk
    response = client.post(
        f"/clinic/assessments/{pk}/",
        {"decision": "approved", "notes": "ok", "next": target},
    )
    if response.status_code == 302:
        assert _local(response["Location"]), response["Location"]


def test_payment_return_urls_cannot_point_at_another_host(things):
    """Success and cancel URLs are built from the Host header: a forged Host is refused first."""
    client = Client(HTTP_HOST="evil.example")
    response = client.post(f"/orders/{things['order'].access_token}/", {"action": "pay"})
    assert response.status_code == 400
