"""Checkout without an assessment asks the assessment's red-flag questions and "18 or over?" first
(issue 14): a red flag or under 18 ends in the referral advice with no order and no payment; a
passed screen is kept on the order; an order with an assessment skips the questions."""

import pytest
from django.utils import timezone

from assessments import questions, scoring
from assessments.forms import RedFlagForm
from assessments.tests.factories import submitted
from orders import fulfilment, services
from orders.checkout import health_screen
from orders.checkout.forms import CheckoutHealthForm
from orders.models import Order
from orders.tests.factories import answer_health_check, create_order, seed_catalogue
from orders.tests.test_checkout import VALID

pytestmark = pytest.mark.django_db

ASKED_FLAGS = [code for code, _label in questions.RED_FLAG_CHOICES]
URGENT = sorted(scoring.URGENT_RED_FLAGS)


@pytest.fixture
def catalogue(db):
    seed_catalogue()


@pytest.fixture
def stripe_calls(monkeypatch):
    """Every call that would start a payment (none may happen after a referral)."""
    from orders.payments import checkout as payments

    calls = []
    real = payments.start_checkout

    def spy(**kwargs):
        calls.append(kwargs["order"].number)
        return real(**kwargs)

    monkeypatch.setattr(payments, "start_checkout", spy)
    return calls


def _choose(client, **extra):
    data = {"size_system": "eu", "size": "42", "top_cover": "leather", **extra}
    return client.post("/orthotics/everyday/", data)


# --- One definition of the questions ------------------------------------------------------------


def test_the_questions_are_the_assessments_own():
    form = CheckoutHealthForm()
    assert isinstance(form, RedFlagForm)
    assert list(form.fields["flags"].choices) == list(RedFlagForm().fields["flags"].choices)
    assert [code for code, _ in form.fields["flags"].choices][:-1] == ASKED_FLAGS
    assert list(form.fields["adult"].choices) == list(questions.YES_NO)


def test_none_of_these_is_exclusive():
    form = CheckoutHealthForm({"flags": ["none", "cancer_history"], "adult": "yes"})
    assert not form.is_valid()
    assert "None of these" in str(form.errors["flags"])


# --- The service ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ASKED_FLAGS)
def test_the_service_never_makes_an_order_from_a_red_flag(catalogue, flag):
    screen = health_screen.screen_from_answers(flags=[flag], adult=True)
    assert not screen.passed and screen.referral_flags == (flag,)
    assert screen.urgent is (flag in scoring.SAME_DAY_RED_FLAGS)
    with pytest.raises(ValueError, match="referral"):
        _create(screen)
    assert not Order.objects.exists()


def test_the_service_never_makes_an_order_for_someone_under_18(catalogue):
    screen = health_screen.screen_from_answers(flags=["none"], adult=False)
    assert screen.referral_flags == ("under_18",) and not screen.urgent
    with pytest.raises(ValueError):
        _create(screen)
    assert not Order.objects.exists()


def test_the_order_keeps_a_passed_screen(catalogue):
    screen = health_screen.screen_from_answers(flags=["none"], adult=True)
    order = _create(screen)
    order.refresh_from_db()
    assert order.health_screen == {"red_flags": [], "adult": True}
    assert order.health_screen_version == health_screen.HEALTH_SCREEN_VERSION
    assert order.health_screen_at == screen.at and order.adult_confirmed_at == screen.at
    assert health_screen.order_screen(order).passed
    assert health_screen.screen_refusal(order) == ""


def test_an_order_without_a_screen_needs_a_clinicians_check():
    order = Order(health_screen_at=None)
    assert "placed before checkout asked" in health_screen.screen_refusal(order)
    stored_flag = Order(
        health_screen={"red_flags": ["cancer_history"], "adult": True},
        health_screen_at=timezone.now(),
        adult_confirmed_at=timezone.now(),
    )
    assert "referral" in health_screen.screen_refusal(stored_flag)
    not_adult = Order(
        health_screen={"red_flags": [], "adult": True}, health_screen_at=timezone.now()
    )
    assert health_screen.screen_refusal(not_adult)  # no adult confirmation stored


def _create(screen):
    from orders.catalogue.models import Product

    return services.order_create(
        lines=[
            services.LineChoice(
                product=Product.objects.get(slug="everyday"), size_system="eu", size="42"
            )
        ],
        email="ann@example.com",
        full_name="Ann Example",
        address_line1="1 High Street",
        city="London",
        postcode="SW1A 1AA",
        country="GB",
        health_screen=screen,
    )


# --- Over HTTP ------------------------------------------------------------------------------------


def test_checkout_without_an_assessment_sends_the_buyer_to_the_questions_first(client, catalogue):
    assert _choose(client)["Location"] == "/checkout/"
    assert client.get("/checkout/")["Location"] == "/checkout/health-check/"
    # A POST straight to checkout (skipping the questions) makes no order either.
    response = client.post("/checkout/", VALID)
    assert response["Location"] == "/checkout/health-check/" and not Order.objects.exists()
    page = client.get("/checkout/health-check/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert (
        '<legend class="page-legend"><h1 class="legend-heading">Do any of these apply to you?'
        in (html)
    )
    assert "Are you 18 or over?" in html and ">Continue</button>" in html
    for _code, label in questions.RED_FLAG_CHOICES:
        assert str(label) in html
    assert (
        'src="/static/js/assessments.js"' in html
    )  # "none" exclusive, with JS; the server checks too


def test_the_questions_need_no_choice_without_a_product(client, catalogue):
    assert client.get("/checkout/health-check/")["Location"] == "/orthotics/"


def test_errors_are_summarised_linked_and_keep_the_answers(client, catalogue):
    _choose(client)
    response = client.post("/checkout/health-check/", {"flags": []})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html and html.count("<title>Error:") == 1
    assert 'href="#id_flags_0"' in html and 'href="#id_adult_0"' in html
    assert "Select any that apply, or" in html and "Select yes if you are 18 or over" in html
    response = client.post("/checkout/health-check/", {"flags": ["none"]})
    html = response.content.decode()
    assert _checked(html, "flags", "none") and not _checked(html, "flags", "cancer_history")
    assert "Select yes if you are 18 or over" in html
    response = client.post("/checkout/health-check/", {"adult": "yes"})
    assert _checked(response.content.decode(), "adult", "yes")
    assert not Order.objects.exists()


def _checked(html: str, name: str, value: str) -> bool:
    import re

    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    raise AssertionError(f"no input {name}={value}")


@pytest.mark.parametrize("flag", ASKED_FLAGS)
def test_every_red_flag_ends_in_the_referral_with_no_order_and_no_payment(
    client, catalogue, stripe_calls, flag
):
    _choose(client)
    response = answer_health_check(client, flags=[flag])
    assert response["Location"] == "/checkout/health-check/referral/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    label = dict(questions.RED_FLAG_CHOICES)[flag]
    assert str(label) in html
    if flag in scoring.SAME_DAY_RED_FLAGS:  # model v2's same-day cases
        assert "Please get medical help today" in html and "NHS 111 today" in html
    else:
        assert "Please see a clinician before anything else" in html
    assert "no payment has been taken" in html
    # Nothing left to pay for: checkout goes back to the catalogue and makes no order.
    assert "orders_checkout" not in client.session
    assert client.post("/checkout/", VALID).status_code == 302
    assert not Order.objects.exists() and stripe_calls == []


def test_under_18_ends_in_the_referral_with_the_childrens_advice(client, catalogue, stripe_calls):
    _choose(client)
    response = answer_health_check(client, adult="no")
    assert response["Location"] == "/checkout/health-check/referral/"
    html = client.get(response["Location"]).content.decode()
    assert "Flat feet are normal in children" in html
    assert "Under 18" in html
    _choose(client)  # choosing again does not skip the questions: the screen says under 18
    assert client.get("/checkout/")["Location"] == "/checkout/health-check/"
    assert client.post("/checkout/", VALID)["Location"] == "/checkout/health-check/"
    assert not Order.objects.exists() and stripe_calls == []


def test_urgent_and_other_flags_together_get_the_same_day_wording(client, catalogue):
    _choose(client)
    answer_health_check(client, flags=[URGENT[0], "cancer_history"], adult="no")
    html = client.get("/checkout/health-check/referral/").content.decode()
    assert "Please get medical help today" in html and "call NHS 111" in html
    assert "Flat feet are normal in children" in html


def test_the_referral_page_needs_a_referral(client, catalogue):
    assert client.get("/checkout/health-check/referral/")["Location"] == "/checkout/health-check/"
    _choose(client)
    answer_health_check(client)
    assert client.get("/checkout/health-check/referral/")["Location"] == "/checkout/health-check/"


def test_passed_questions_go_on_to_checkout_and_the_order_keeps_them(client, catalogue):
    _choose(client)
    response = answer_health_check(client)
    assert response["Location"] == "/checkout/"
    assert client.get("/checkout/").status_code == 200
    # Coming back to the questions shows the answers given.
    html = client.get("/checkout/health-check/").content.decode()
    assert _checked(html, "flags", "none") and _checked(html, "adult", "yes")
    response = client.post("/checkout/", VALID)
    order = Order.objects.get()
    assert response["Location"] == f"/checkout/test-payment/{order.access_token}/"
    assert order.health_screen == {"red_flags": [], "adult": True}
    assert order.health_screen_version == health_screen.HEALTH_SCREEN_VERSION
    assert order.health_screen_at is not None and order.adult_confirmed_at is not None
    # Kept on the order now, not in the session: the next purchase asks again.
    assert health_screen.SESSION_KEY not in client.session


def test_answers_to_older_questions_are_asked_again(client, catalogue):
    _choose(client)
    answer_health_check(client)
    session = client.session
    session[health_screen.SESSION_KEY] = {**session[health_screen.SESSION_KEY], "version": "old"}
    session.save()
    assert client.get("/checkout/")["Location"] == "/checkout/health-check/"


def test_an_order_with_an_assessment_skips_the_questions(client, catalogue):
    assessment = submitted()
    assert _choose(client, assessment=assessment.token)["Location"] == "/checkout/"
    assert client.get("/checkout/").status_code == 200
    assert client.get("/checkout/health-check/")["Location"] == "/checkout/"
    client.post("/checkout/", VALID)
    order = Order.objects.get()
    assert order.assessment == assessment and order.health_screen_at is None
    assert order.health_screen == {}


def test_a_screened_order_still_waits_for_a_clinician(catalogue):
    from orders.tests.factories import add_valid_scan, pay

    order = pay(create_order())
    assert order.health_screen_at is not None
    add_valid_scan(order, "left")
    add_valid_scan(order, "right")
    fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    assert order.status == "scans_received"
    assert services.order_clinical_refusal(order=order) == (
        "No clinician has approved this order for the lab."
    )
