"""Login lockout (django-axes): failed passwords per (account, address) pair and per address lock
sign-in on every form (admin, accounts, the clinic's sign-in) with the site's 429 page."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

CLINIC_SIGN_IN = "/accounts/login/?next=/clinic/"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS_ENABLED = False  # the flood limit is tested in test_rate_limits.py


def sign_in(path: str, username: str, password: str, ip: str = "203.0.113.7"):
    client = Client()
    return client, client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failed_passwords_for_one_account_from_one_address_lock_that_pair_on_every_form(
    django_user_model,
):
    django_user_model.objects.create_user("ann", password="right-pass-123")
    limit = settings.AXES_FAILURE_LIMIT
    paths = ["/accounts/login/", "/admin/login/", CLINIC_SIGN_IN]
    for attempt in range(limit - 1):
        _client, response = sign_in(paths[attempt % 3], "Ann", f"guess{attempt}", ip="192.0.2.9")
        assert response.status_code == 200  # the form again, with its error
    _client, response = sign_in("/admin/login/", " ann", "last-guess", ip="192.0.2.9")
    assert response.status_code == 429
    for path in paths:  # locked everywhere, and the right password does not get through
        client, response = sign_in(path, "ann", "right-pass-123", ip="192.0.2.9")
        assert response.status_code == 429, path
        assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert "Too many attempts" in body and 'class="site-header"' in body
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert response["Cache-Control"] == "no-store"
    # The pair is locked, not the account: its owner still signs in from their own address.
    client, response = sign_in("/accounts/login/", "ann", "right-pass-123", ip="198.51.100.77")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_wrong_passwords_from_other_addresses_do_not_lock_the_owner_out(django_user_model):
    """Issue 17: five wrong passwords from five addresses locked a customer out for 15 minutes."""
    django_user_model.objects.create_user("gail", password="gail-pass-123")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _client, response = sign_in(
            "/accounts/login/", "gail", f"guess{attempt}", ip=f"192.0.2.{attempt + 1}"
        )
        assert response.status_code == 200
    client, response = sign_in("/accounts/login/", "gail", "gail-pass-123", ip="198.51.100.5")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_other_accounts_are_not_locked_by_someone_elses_failures(django_user_model):
    django_user_model.objects.create_user("bob", password="bob-pass-123")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("/accounts/login/", "carol", f"guess{attempt}", ip=f"192.0.2.{attempt}")
    client, response = sign_in("/accounts/login/", "bob", "bob-pass-123", ip="192.0.2.1")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_one_address_guessing_many_accounts_is_locked(django_user_model):
    django_user_model.objects.create_user("dan", password="dan-pass-123")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("/accounts/login/", f"someone{attempt}", "guess", ip="203.0.113.50")
    _client, response = sign_in("/accounts/login/", "dan", "dan-pass-123", ip="203.0.113.50")
    assert response.status_code == 429
    client, response = sign_in("/accounts/login/", "dan", "dan-pass-123", ip="203.0.113.51")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_lockout_ends_after_the_cool_off_and_success_resets_the_count(django_user_model):
    from datetime import timedelta

    django_user_model.objects.create_user("eve", password="eve-pass-123")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("/accounts/login/", "eve", f"guess{attempt}", ip="192.0.2.200")
    assert (
        sign_in("/accounts/login/", "eve", "eve-pass-123", ip="192.0.2.200")[1].status_code == 429
    )
    # The cool-off passes (moved back in the database instead of sleeping).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    client, response = sign_in("/accounts/login/", "eve", "eve-pass-123", ip="192.0.2.200")
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert not AccessAttempt.objects.filter(username="eve").exists()


def test_staff_see_lockouts_in_the_admin_and_secrets_are_not_stored(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "boss-pass-123")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("/accounts/login/", "frank", "secret-guess-9")
    stored = list(AccessAttempt.objects.values())
    assert stored and all(row["username"] == "frank" for row in stored)
    assert "secret-guess-9" not in repr(stored)  # passwords are never kept
    admin = Client()
    admin.force_login(boss)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "frank" in page.content.decode()
