"""Checkout's forms through the "fp" pack (issue 20): messages that name their field, an error
summary whose links reach the fields, what was typed kept on an error, details filled in from the
assessment and the account, and a payment hint that matches the payment mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from orders.models import Order
from orders.tests.factories import answer_health_check, create_order
from tests.browser_checks import axe_violations, format_violations, load_axe_source

pytestmark = pytest.mark.django_db

CHECKOUT = "/checkout/"
TYPED = {
    "email": "ann@example.com",
    "full_name": "Ann Example",
    "phone": "+44 20 7946 0958",
    "address_line1": "Flat 2, 10 Mill Lane",
    "address_line2": "Hove",
    "city": "Brighton",
    "region": "East Sussex",
    "postcode": "BN3 1AA",
    "country": "GB",
    "accept_terms": "on",
    "consent_health_data": "on",
}
TEST_MODE_HINT = "The next page is our test payment page, not Stripe's"
STRIPE_HINT = "You'll pay on Stripe's secure page"


def _choose(client, **extra):
    """Chooses orthotics; without an assessment, passes checkout's health questions too."""
    data = {"size_system": "eu", "size": "42", "top_cover": "leather", **extra}
    assert client.post("/orthotics/everyday/", data).status_code == 302
    if not extra.get("assessment"):
        assert answer_health_check(client)["Location"] == CHECKOUT


def _assessment(**kwargs):
    from assessments.models import Assessment

    return Assessment.objects.create(
        status="reviewed", band="moderate", suggested_product_slug="everyday", **kwargs
    )


def _summary_links(html: str) -> list[tuple[str, str]]:
    """(href, message) of each error-summary entry."""
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', summary.group(0))


def _value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = match and re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def _checked(html: str, name: str) -> bool:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return bool(match) and " checked" in match.group(0)


# --- Errors -------------------------------------------------------------------------------------


def test_an_empty_checkout_names_each_field_and_links_to_it(client, catalogue):
    _choose(client)
    response = client.post(CHECKOUT, {})
    html = response.content.decode()
    assert response.status_code == 200 and Order.objects.count() == 0
    assert re.search(r"<title>\s*Error: Checkout", html)
    assert "This field is required." not in html
    assert _summary_links(html) == [
        ("#id_email", "Enter your email address"),
        ("#id_full_name", "Enter your full name"),
        ("#id_address_line1", "Enter address line 1, usually the building and street"),
        ("#id_city", "Enter your town or city"),
        ("#id_postcode", "Enter your postcode or ZIP code"),
        ("#id_country", "Select the country we deliver to"),
        ("#id_accept_terms", "Accept the terms of sale to place your order"),
        (
            "#id_consent_health_data",
            "Agree to us processing your health data: we cannot make orthotics without it",
        ),
    ]
    for href, message in _summary_links(html):
        field_id = href[1:]
        # The message is said again at the field, and the input is tied to it.
        assert f'id="{field_id}_error"' in html and message in html
        tag = re.search(rf'<(input|select)[^>]*id="{field_id}"[^>]*>', html).group(0)
        assert f"{field_id}_error" in tag and 'aria-invalid="true"' in tag


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"email": "ann at example"}, "email", "Enter an email address in the right format"),
        ({"full_name": "A" * 151}, "full_name", "Full name must be 150 characters or fewer"),
        ({"phone": "call me after 6"}, "phone", "Enter a phone number, like 01632 960 001"),
        ({"phone": "12 34"}, "phone", "Enter a phone number, like 01632 960 001"),
        ({"postcode": "12345"}, "postcode", "Enter a UK postcode, like SW1A 1AA"),
        ({"country": "IE", "postcode": "SW1A 1AA"}, "postcode", "Enter an Eircode, like D02 X285"),
        ({"country": "US", "region": "", "postcode": "94105"}, "region", "Enter the state"),
        ({"country": "XX"}, "country", "Select the country we deliver to"),
        ({"address_line2": "x" * 201}, "address_line2", "Address line 2 must be 200 characters"),
    ],
)
def test_a_wrong_value_is_explained_at_its_field(client, catalogue, typed, field, message):
    _choose(client)
    html = client.post(CHECKOUT, {**TYPED, **typed}).content.decode()
    assert [href for href, _ in _summary_links(html)] == [f"#id_{field}"]
    assert message in _summary_links(html)[0][1]
    assert Order.objects.count() == 0


def test_everything_typed_is_kept_after_an_error(client, catalogue):
    _choose(client)
    key = "0123456789abcdef0123456789abcdef"
    sent = {**TYPED, "postcode": "BN3", "checkout_key": key}
    html = client.post(CHECKOUT, sent).content.decode()
    assert "Enter a UK postcode" in html
    for name in ("email", "full_name", "phone", "address_line1", "address_line2", "city", "region"):
        assert _value(html, name) == TYPED[name].replace("'", "&#x27;"), name
    assert _value(html, "postcode") == "BN3"
    assert re.search(r'<option value="GB" selected>', html)
    assert _checked(html, "accept_terms") and _checked(html, "consent_health_data")
    # The same hidden key rides along, so a corrected second try is still one order.
    assert _value(html, "checkout_key") == key


def test_a_valid_phone_number_as_people_type_it_is_accepted(client, catalogue, settings):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    _choose(client)
    response = client.post(CHECKOUT, {**TYPED, "phone": "+44 (0)20 7946-0958"})
    assert response.status_code == 302
    assert Order.objects.get().phone == "+44 (0)20 7946-0958"


# --- Filled in from what we know ------------------------------------------------------------------


def test_the_assessments_email_is_filled_in(client, catalogue):
    assessment = _assessment(contact_email="bea@example.com")
    _choose(client, assessment=assessment.token)
    html = client.get(CHECKOUT).content.decode()
    assert _value(html, "email") == "bea@example.com"
    assert _value(html, "full_name") is None
    assert "We filled in the email address you gave with your assessment" in html


def test_an_assessment_without_an_email_fills_in_nothing(client, catalogue):
    assessment = _assessment()
    _choose(client, assessment=assessment.token)
    html = client.get(CHECKOUT).content.decode()
    assert _value(html, "email") is None and "We filled in" not in html


def test_the_account_fills_in_name_and_email_before_the_assessment(
    client, catalogue, django_user_model
):
    user = django_user_model.objects.create_user(
        "cat@example.com", email="cat@example.com", first_name="Cat", last_name="Jones"
    )
    client.force_login(user)
    assessment = _assessment(contact_email="other@example.com")
    _choose(client, assessment=assessment.token)
    html = client.get(CHECKOUT).content.decode()
    assert _value(html, "email") == "cat@example.com"
    assert _value(html, "full_name") == "Cat Jones"
    assert _value(html, "address_line1") is None  # no earlier order: no saved address
    assert "We filled in your name and email address from your account" in html


def test_the_accounts_last_order_fills_in_the_saved_address(client, catalogue, django_user_model):
    user = django_user_model.objects.create_user("dan@example.com", email="dan@example.com")
    someone_else = django_user_model.objects.create_user("eve@example.com")
    create_order(user=user, email="dan.orders@example.com")
    later = create_order(user=someone_else, email="eve@example.com")
    Order.objects.filter(pk=later.pk).update(address_line1="9 Elsewhere Road", city="Leeds")
    client.force_login(user)
    _choose(client)
    html = client.get(CHECKOUT).content.decode()
    assert _value(html, "email") == "dan@example.com"  # the account's, not the old order's
    assert _value(html, "full_name") == "Ann Example"  # the account has no name: the order's
    assert _value(html, "address_line1") == "1 High Street"
    assert _value(html, "city") == "London"
    assert "9 Elsewhere Road" not in html  # another account's address never shows
    assert re.search(r'<option value="GB" selected>', html)
    assert "from your account and your last order" in html


def test_a_guest_gets_nothing_filled_in_but_the_offer_to_sign_in(client, catalogue):
    create_order(email="ann@example.com")
    _choose(client)
    html = client.get(CHECKOUT).content.decode()
    assert _value(html, "email") is None and _value(html, "address_line1") is None
    assert "sign in</a> to have your details filled in" in html


# --- The payment mode -----------------------------------------------------------------------------


def test_test_payment_mode_says_so_next_to_the_button(client, catalogue, settings):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    _choose(client)
    html = client.get(CHECKOUT).content.decode()
    form = html[html.index('<form method="post" action="/checkout/"') : html.index("</form>")]
    hint = form.index('id="payment-hint"')
    button = form.index("Continue to the test payment page")
    assert 0 < button - hint < 400 and 'aria-describedby="payment-hint"' in form
    assert TEST_MODE_HINT in form and "Test payment mode" in form
    assert STRIPE_HINT not in html and "Continue to secure payment" not in html


def test_real_payments_say_stripes_secure_page(client, catalogue, stripe_server):
    _choose(client)
    html = client.get(CHECKOUT).content.decode()
    assert STRIPE_HINT in html and "Continue to secure payment" in html
    assert TEST_MODE_HINT not in html and "test payment page" not in html


# --- The health questions -------------------------------------------------------------------------


def test_the_health_questions_legend_is_the_heading_and_errors_link_to_the_first_option(
    client, catalogue
):
    client.post("/orthotics/everyday/", {"size_system": "eu", "size": "42", "top_cover": "leather"})
    html = client.get(reverse("orders:health_check")).content.decode()
    assert '<legend class="page-legend"><h1 class="legend-heading">Do any of these apply' in html
    assert html.count("<h1") == 1 and ">Continue</button>" in html
    html = client.post(reverse("orders:health_check"), {"flags": ["cancer_history", "none"]})
    html = html.content.decode()
    assert re.search(r"<title>\s*Error: Health check", html)
    assert _summary_links(html) == [
        ("#id_flags_0", "Select &#x27;None of these&#x27; only if none of the others apply"),
        ("#id_adult_0", "Select yes if you are 18 or over"),
    ]
    assert 'id="id_flags_0"' in html and 'id="id_adult_0"' in html
    kept = re.findall(r'<input type="checkbox" name="flags" value="([^"]+)"[^>]* checked', html)
    assert kept == ["cancer_history", "none"]


# --- No hand-written form markup left -------------------------------------------------------------

TEMPLATES = [
    "orders/checkout/templates/checkout/checkout.html",
    "orders/checkout/templates/checkout/health_check.html",
    "orders/catalogue/templates/catalogue/product_detail.html",
    "orders/templates/orders/order_lookup.html",
]


@pytest.mark.parametrize("path", TEMPLATES)
def test_the_page_renders_its_form_through_the_pack(path):
    source = (Path(__file__).resolve().parents[3] / path).read_text()
    assert "{% crispy form %}" in source and "{% error_summary form %}" in source
    assert not re.search(r"<(input|select|textarea|label|legend)\b", source)
    assert "_field.html" not in source and "_error_summary.html" not in source
    assert "_radios.html" not in source
    assert 'translate "Error:"' in source


# --- In the browser: axe-core, keyboard, the summary's links --------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_checkout_pages_with_errors_pass_axe_and_their_links_reach_the_fields(page, settings):
    from orders.tests.factories import seed_catalogue

    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    seed_catalogue()
    axe_source = load_axe_source()
    problems = []

    def check(where: str) -> None:
        page.wait_for_load_state("load")
        violations = axe_violations(page, axe_source)
        if violations:
            problems.append(f"{where}:\n{format_violations(violations)}")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/orthotics/everyday/")
    page.get_by_label("Shoe size").fill("99")
    page.get_by_role("button", name="Continue to checkout").click()
    check("product options with errors")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_size"
    page.keyboard.press("Control+A")
    page.keyboard.type("42")
    page.get_by_role("button", name="Continue to checkout").click()

    page.wait_for_load_state("load")
    page.get_by_role("button", name="Continue").click()
    check("health questions with errors")
    page.get_by_label("None of these").check()
    page.get_by_role("group", name="Are you 18 or over?").get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_load_state("load")
    page.get_by_label("Email address").fill("ann at example")
    page.get_by_label("Full name").fill("Ann Example")
    page.get_by_role("button", name="Continue to the test payment page").click()
    check("checkout with errors")
    assert page.title().startswith("Error: ")
    assert page.get_by_label("Full name").input_value() == "Ann Example"
    assert page.get_by_label("Email address").input_value() == "ann at example"
    links = page.locator(".error-summary a")
    assert links.count() == 6  # email, address line 1, town, postcode, terms, consent
    links.nth(3).click()  # the postcode
    assert page.evaluate("document.activeElement.id") == "id_postcode"
    assert "no real payment is taken" in page.locator("#payment-hint").inner_text()

    page.goto("/orders/")
    page.get_by_role("button", name="Find my order").click()
    check("order lookup with errors")
    assert page.locator(".error-summary a").count() == 2
    assert not problems, "\n".join(problems)
    assert page.console_errors == []
