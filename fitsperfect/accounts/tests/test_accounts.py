"""Optional accounts: sign-up, the account page, sign-in and password reset (moved from
orders/tests/test_pages.py with the views), and the sign-up form through the house pack."""

import re

import pytest
from django.core import mail
from django.test import Client

from orders.tests.factories import create_order, seed_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    seed_catalogue()


def test_signup_then_the_account_lists_orders_and_assessments(client, catalogue):
    from assessments.models import Assessment

    response = client.post(
        "/accounts/signup/",
        {
            "email": "Ann@Example.com",
            "password1": "a-good-long-pass-42",
            "password2": "a-good-long-pass-42",
        },
    )
    assert response["Location"] == "/account/"
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="ann@example.com")
    order = create_order(user=user)
    Assessment.objects.create(
        user=user, status="reviewed", band="low", suggested_product_slug="dress"
    )
    html = client.get("/account/").content.decode()
    assert order.number in html and "Low" in html and "/orthotics/dress/?assessment=" in html
    assert "Your account" in html  # the header link for signed-in customers
    assert order.number in client.get("/orders/").content.decode()


def test_signup_refuses_a_taken_email_and_keeps_the_input(client, django_user_model):
    django_user_model.objects.create_user("ann@example.com", email="ann@example.com")
    response = client.post(
        "/accounts/signup/", {"email": "ann@example.com", "password1": "x", "password2": "y"}
    )
    html = response.content.decode()
    assert "already exists" in html and 'value="ann@example.com"' in html
    assert 'class="error-summary"' in html


def test_the_account_page_needs_sign_in_and_others_orders_stay_hidden(
    client, catalogue, django_user_model
):
    assert client.get("/account/")["Location"].startswith("/accounts/login/")
    mine = django_user_model.objects.create_user("me", email="me@example.com")
    create_order(email="someone@example.com")
    client.force_login(mine)
    assert "FP-" not in client.get("/account/").content.decode()


def test_password_reset_by_email(client, django_user_model):
    django_user_model.objects.create_user(
        "ann@example.com", email="ann@example.com", password="old-pass-123456"
    )
    assert b"Forgotten your password" in client.get("/accounts/login/").content
    response = client.post("/accounts/password_reset/", {"email": "ann@example.com"}, follow=True)
    assert b"Check your email" in response.content
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    assert b"Choose a new password" in page.content
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "new-pass-987654", "new_password2": "new-pass-987654"},
        follow=True,
    )
    assert b"Password changed" in done.content
    signed_in = Client().post(
        "/accounts/login/", {"username": "ann@example.com", "password": "new-pass-987654"}
    )
    assert signed_in.status_code == 302 and "_auth_user_id" in signed_in.wsgi_request.session


def test_the_header_offers_sign_in(client):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html


def test_signup_errors_name_their_field_and_link_to_it(client):
    response = client.post("/accounts/signup/", {"email": "", "password1": "", "password2": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Create an account" in html
    for field, message in (
        ("email", "Enter your email address"),
        ("password1", "Enter a password"),
        ("password2", "Enter the password again to confirm it"),
    ):
        assert f'href="#id_{field}"' in html and message in html
    assert "This field is required." not in html

    mismatch = client.post(
        "/accounts/signup/",
        {"email": "ann@example", "password1": "a-good-long-pass-42", "password2": "other-pass-42"},
    ).content.decode()
    assert "Enter an email address in the right format" in mismatch
    assert "The passwords do not match" in mismatch
    assert 'aria-describedby="id_email_error"' in mismatch and 'id="id_email_error"' in mismatch


def test_a_signed_in_customer_is_sent_from_signup_to_the_account(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ann", email="ann@example.com"))
    assert client.get("/accounts/signup/")["Location"] == "/account/"
    html = client.get("/account/").content.decode()
    for url in (
        "/account/your-data.json",
        "/account/delete-my-data/",
        "/accounts/password_change/",
    ):
        assert f'href="{url}"' in html


def test_the_url_names_the_site_has_always_used_still_reverse_to_the_same_paths():
    from django.urls import reverse

    assert reverse("orders:signup") == "/accounts/signup/"
    assert reverse("orders:account") == "/account/"
    assert reverse("account_data") == "/account/your-data.json"
    assert reverse("account_erasure") == "/account/delete-my-data/"
    for name, path in (
        ("login", "/accounts/login/"),
        ("logout", "/accounts/logout/"),
        ("password_change", "/accounts/password_change/"),
        ("password_change_done", "/accounts/password_change/done/"),
        ("password_reset", "/accounts/password_reset/"),
        ("password_reset_done", "/accounts/password_reset/done/"),
        ("password_reset_complete", "/accounts/reset/done/"),
    ):
        assert reverse(name) == path
