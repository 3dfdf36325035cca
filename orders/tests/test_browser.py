"""A customer chooses orthotics, answers checkout's health questions, checks out, pays on the test
payment page, and sees "Paid"; another, keyboard only, ticks a red flag and gets the referral."""

import pytest
from playwright.sync_api import expect

from assessments import questions
from tests.browser_checks import axe_violations, fill_checkout, load_axe_source
from tests.test_journey import POINTER_SPY, Journey

from .factories import seed_catalogue


@pytest.mark.browser
def test_choose_check_out_pay_and_see_the_order_paid(page, live_server, settings, transactional_db):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    seed_catalogue()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Custom orthotics").click()
    page.get_by_role("link", name="Sport").click()
    assert page.locator("h1").inner_text() == "Sport"
    page.set_viewport_size({"width": 320, "height": 640})
    assert _too_wide(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("UK").check()
    page.get_by_label("Shoe size").fill("8.5")
    page.get_by_label("Leather").check()
    # orders.js shows the running total (progressive enhancement).
    assert page.locator("[data-price-total]").inner_text() == "£194.00"
    page.get_by_role("button", name="Continue to checkout").click()

    assert page.locator("h1").inner_text() == "Do any of these apply to you?"
    page.get_by_label("None of these").check()
    page.get_by_role("group", name="Are you 18 or over?").get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()

    assert page.locator("h1").inner_text() == "Checkout"
    page.set_viewport_size({"width": 320, "height": 640})
    assert _too_wide(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Continue to the test payment page").click()
    assert page.locator(".error-summary").is_visible()  # nothing filled in yet
    fill_checkout(page)

    assert "TEST MODE" in page.content()
    page.get_by_role("button", name="Pay £194.00 (test)").click()

    assert page.locator("h1").inner_text().startswith("Order FP-")
    # Readable on a 320px-wide phone: nothing wider than the screen.
    page.set_viewport_size({"width": 320, "height": 640})
    assert _too_wide(page) == []
    timeline = page.locator(".timeline").inner_text()
    assert "Paid" in timeline
    assert page.locator(".order-status").inner_text() == "Status: Awaiting scans"
    assert page.console_errors == []


def _too_wide(page) -> list[str]:
    """Elements that stick out of the viewport (empty when the page fits)."""
    if page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]:
        return []
    return page.evaluate(
        "Array.from(document.querySelectorAll('body *'))"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"
    )


@pytest.mark.browser
def test_keyboard_only_the_health_questions_and_a_red_flag_end_in_the_referral(
    page, live_server, settings, transactional_db, tmp_path
):
    """Product -> checkout's health questions (an error on the way) -> a red flag -> the
    referral page: keyboard only on a 360 px phone, axe-core clean on every page, no order."""
    from orders.models import Order

    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    seed_catalogue()
    pointer: list[str] = []
    page.expose_binding("__journeyPointer", lambda _source, what: pointer.append(what))
    page.add_init_script(POINTER_SPY)
    page.set_viewport_size({"width": 360, "height": 740})
    me = Journey(
        page=page, name="health-check", keyboard=True, axe_source=load_axe_source(), shots=tmp_path
    )
    page.goto("/orthotics/everyday/")
    me.check("product")
    me.choose(page.get_by_label("UK", exact=True))
    me.fill(page.get_by_label("Shoe size"), "8")
    me.choose(page.get_by_label("Leather"))
    me.follow(page.get_by_role("button", name="Continue to checkout"))

    continue_ = page.get_by_role("button", name="Continue")
    expect(page.locator("h1")).to_have_text("Do any of these apply to you?")
    assert page.url.endswith("/checkout/health-check/")
    me.check("health-check")
    me.follow(continue_)  # nothing answered
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        ["Select any that apply, or 'None of these'", "Select yes if you are 18 or over"]
    )
    me.check("health-check-errors")
    none = page.get_by_label("None of these")
    me.tick(none)
    flag = dict(questions.RED_FLAG_CHOICES)["red_hot_swollen_foot"]
    me.tick(page.get_by_label(str(flag)))
    expect(none).not_to_be_checked()  # "None of these" is exclusive
    me.choose(page.get_by_role("group", name="Are you 18 or over?").get_by_label("Yes"))
    me.follow(continue_)

    expect(page.locator("h1")).to_have_text("Please get medical help today")  # urgent
    expect(page.locator("main")).to_contain_text(str(flag))
    expect(page.locator("main")).to_contain_text("no payment has been taken")
    me.check("referral")
    assert me.checked == ["product", "health-check", "health-check-errors", "referral"]
    assert not Order.objects.exists()
    assert pointer == [], f"a pointer was used: {pointer[:5]}"
    assert page.console_errors == []


@pytest.mark.browser
def test_a_clinician_approves_an_order_without_an_assessment_in_the_clinic(
    page, live_server, transactional_db
):
    """The clinic's orders list and order page are axe-core clean; the approval goes through."""
    from assessments.tests.factories import clinician
    from orders.models import Order

    from .factories import create_order, pay

    seed_catalogue()
    order = pay(create_order(screened=False))  # placed before checkout asked the questions
    clinician("nurse")
    axe = load_axe_source()
    page.goto("/clinic/orders/")
    page.get_by_label("Username or email").fill("nurse")
    page.get_by_label("Password").fill("demo-pass-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Orders without an assessment")
    assert axe_violations(page, axe) == []
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("h1")).to_have_text(f"Order {order.number}")
    assert axe_violations(page, axe) == []
    page.get_by_role("button", name="Approve for the lab").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Confirm you asked the customer the red-flag questions")
    assert axe_violations(page, axe) == []
    page.get_by_label("I have asked the customer the red-flag questions myself").check()
    page.get_by_role("button", name="Approve for the lab").click()
    expect(page.locator("main")).to_contain_text(f"Order {order.number} is approved for the lab.")
    order = Order.objects.get(pk=order.pk)
    assert order.approved_for_lab_by.username == "nurse" and order.red_flags_confirmed_at
    assert page.console_errors == []
