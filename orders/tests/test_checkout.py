"""Catalogue, product pages, checkout (guest and signed in), the test payment page."""

import pytest
from django.urls import reverse

from orders.models import Order
from orders.payments.models import StripeEvent
from orders.states import Status
from orders.tests.factories import answer_health_check

pytestmark = pytest.mark.django_db

VALID = {
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


def _assessment(status="reviewed", band="moderate", slug="sport", **kwargs):
    from assessments.models import Assessment

    return Assessment.objects.create(
        status=status, band=band, suggested_product_slug=slug, **kwargs
    )


def _choose(client, slug="everyday", **extra):
    """Chooses orthotics; without an assessment, answers checkout's health questions (passed)."""
    data = {"size_system": "eu", "size": "42", "top_cover": "leather", **extra}
    response = client.post(reverse("orders:product_detail", args=[slug]), data)
    if response.status_code == 302 and not extra.get("assessment"):
        assert answer_health_check(client)["Location"] == "/checkout/"
    return response


def test_catalogue_lists_the_three_products_with_prices(client, catalogue):
    response = client.get("/orthotics/")
    html = response.content.decode()
    for name in ("Everyday", "Sport", "Dress"):
        assert name in html
    assert "£149.00" in html
    assert 'href="/orthotics/sport/"' in html


def test_product_page_shows_what_is_included_turnaround_and_options(client, catalogue):
    html = client.get("/orthotics/everyday/").content.decode()
    assert "What is included" in html and "Tracked delivery" in html
    assert "10 working days" in html
    assert "Leather" in html and "+£15.00" in html and "Add an extra pair" in html
    assert 'src="/static/js/orders.js"' in html and "<script>" not in html


def test_product_page_from_an_assessment_shows_the_result_and_the_suggestion(client, catalogue):
    assessment = _assessment()
    html = client.get(f"/orthotics/sport/?assessment={assessment.token}").content.decode()
    assert "Moderate" in html
    assert "This is the orthotic your assessment suggests" in html
    assert f'value="{assessment.token}"' in html  # carried into checkout
    other = client.get(f"/orthotics/dress/?assessment={assessment.token}").content.decode()
    assert f"/orthotics/sport/?assessment={assessment.token}" in other


def test_a_referred_assessment_cannot_be_ordered_against(client, catalogue):
    assessment = _assessment(status="referred", band="high")
    response = client.get(f"/orthotics/sport/?assessment={assessment.token}")
    assert b"see a doctor or podiatrist" in response.content
    assert b"Continue to checkout" not in response.content
    response = _choose(client, "sport", assessment=assessment.token)
    assert response.status_code == 200  # not redirected to checkout
    assert "orders_checkout" not in client.session


def test_a_draft_assessment_is_ignored(client, catalogue):
    assessment = _assessment(status="draft")
    html = client.get(f"/orthotics/sport/?assessment={assessment.token}").content.decode()
    assert "Your assessment" not in html


def test_a_bad_size_is_explained_next_to_the_field_and_keeps_the_input(client, catalogue):
    response = _choose(client, size="99", size_system="uk")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html and 'href="#id_size"' in html
    assert "Enter a UK size from 1 to 14" in html
    assert 'value="99"' in html


def test_checkout_without_a_choice_goes_back_to_the_catalogue(client, catalogue):
    assert client.get("/checkout/")["Location"] == "/orthotics/"


def test_checkout_validates_per_country_and_keeps_what_was_typed(client, catalogue):
    _choose(client)
    response = client.post("/checkout/", {**VALID, "postcode": "12345", "accept_terms": ""})
    html = response.content.decode()
    assert response.status_code == 200 and Order.objects.count() == 0
    assert "Enter a UK postcode" in html and "Accept the terms of sale" in html
    assert 'value="Ann Example"' in html and 'value="12345"' in html
    response = client.post("/checkout/", {**VALID, "country": "US", "postcode": "94105"})
    assert "Enter the state, like California or CA" in response.content.decode()


def test_checkout_creates_the_order_and_a_stripe_session(client, catalogue, stripe_server):
    assessment = _assessment(slug="everyday")
    _choose(client, extra_pair="on", assessment=assessment.token)
    response = client.post("/checkout/", VALID)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_server.url}/c/pay/{order.stripe_checkout_session_id}"
    assert order.status == Status.AWAITING_PAYMENT and order.assessment == assessment
    assert order.total == 14900 + 1500 + 7900 and order.currency == "gbp"
    assert order.postcode == "SW1A 1AA" and order.number.startswith("FP-")
    assert len(order.access_token) >= 43
    line = order.lines.get()
    assert line.line_number == 1 and line.unit_price == order.total and line.extra_pair
    _method, path, params, key = next(
        r for r in stripe_server.requests if r[1] == "/v1/checkout/sessions"
    )
    assert params["customer_email"] == "ann@example.com"
    assert params["client_reference_id"] == order.number
    assert params["metadata"]["order_number"] == order.number
    assert params["line_items"][0]["price_data"]["unit_amount"] == str(order.total)
    assert params["success_url"].endswith(f"/orders/{order.access_token}/?checkout=success")
    assert params["cancel_url"].endswith("?checkout=cancelled")
    assert key == f"fp-checkout-{order.number}-1"


def test_a_double_submit_makes_one_order_and_one_session(client, catalogue, stripe_server):
    _choose(client)
    first = client.post("/checkout/", VALID)
    _choose(client)  # the second click arrives with the same form (same hidden key)
    second = client.post("/checkout/", VALID)
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert stripe_server.created["checkout.session"] == 1
    keys = [r[3] for r in stripe_server.requests if r[1] == "/v1/checkout/sessions"]
    assert len(keys) == 2 and len(set(keys)) == 1


def test_stripe_down_keeps_the_order_and_says_so(client, catalogue, stripe_server):
    stripe_server.fail_next = 10
    _choose(client)
    response = client.post("/checkout/", VALID, follow=True)
    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert b"could not reach our payment provider" in response.content
    assert order.status == Status.AWAITING_PAYMENT


def test_signed_in_customers_have_their_details_filled_in_and_own_the_order(
    client, catalogue, stripe_server, django_user_model
):
    user = django_user_model.objects.create_user(
        "ann@example.com",
        email="ann@example.com",
        password="pw-12345-long",
        first_name="Ann",
        last_name="Example",
    )
    client.force_login(user)
    _choose(client)
    html = client.get("/checkout/").content.decode()
    assert 'value="ann@example.com"' in html and 'value="Ann Example"' in html
    client.post("/checkout/", VALID)
    assert Order.objects.get().user == user


def test_test_payment_mode_pays_through_the_signed_webhook_path(client, catalogue, settings):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    _choose(client)
    response = client.post("/checkout/", VALID)
    order = Order.objects.get()
    assert response["Location"] == f"/checkout/test-payment/{order.access_token}/"
    page = client.get(response["Location"]).content.decode()
    assert "TEST MODE" in page and "no money moves" in page
    response = client.post(response["Location"], {"action": "pay"}, follow=True)
    order.refresh_from_db()
    assert order.is_paid and order.status == Status.AWAITING_SCANS
    stored = StripeEvent.objects.get()
    assert stored.valid and stored.processed and stored.type == "checkout.session.completed"
    assert "Stripe-Signature" in stored.headers
    assert b"Paid" in response.content


def test_the_test_payment_page_does_not_exist_outside_test_mode(client, catalogue, stripe_server):
    from .factories import create_order

    order = create_order()
    response = client.post(f"/checkout/test-payment/{order.access_token}/", {"action": "pay"})
    assert response.status_code == 404
    assert not Order.objects.get(pk=order.pk).is_paid


def test_production_settings_make_test_payments_impossible(settings):
    from orders.payments import stripe_api, testmode

    settings.PAYMENTS_TEST_MODE = True
    settings.IS_PRODUCTION = True
    assert stripe_api.test_mode() is False
    with pytest.raises(PermissionError):
        testmode.deliver_test_event("checkout.session.completed", {})
