"""A customer chooses orthotics, checks out, pays on the test payment page, and sees "Paid"."""

import pytest

from tests.browser_checks import fill_checkout

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
