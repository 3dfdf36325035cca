"""Staff run an order from paid to delivered in the admin, in Chromium: the work filters, the
confirmed actions, a note, and a change page that fits 1280 px; the customer sees the tracking
link. (Scans, the clinician's approval and the hand-off to the lab are done by the services: other
pages own them.)"""

import pytest
from django.contrib.auth.models import User

from orders import fulfilment
from orders.models import Order
from orders.states import Status

from .factories import make_ready_for_lab, paid_order, seed_carriers, staff_user


def _sign_in(page) -> User:
    user = staff_user("anna")
    user.first_name, user.last_name = "Anna", "Berg"
    user.set_password("pw-staff-123456")
    user.save()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("pw-staff-123456")
    page.get_by_role("button", name="Log in").click()
    return user


def _run_action(page, order: Order, label: str) -> None:
    page.goto("/admin/orders/order/?work=at_lab")
    page.locator(f'input[name="_selected_action"][value="{order.pk}"]').check()
    page.locator('select[name="action"]').select_option(label=label)
    page.get_by_role("button", name="Go").click()


def _fits(page, width: int = 1280) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
def test_staff_take_an_order_from_the_lab_to_delivered(
    page, live_server, settings, transactional_db
):
    settings.RATE_LIMITS_ENABLED = False
    seed_carriers()
    page.set_viewport_size({"width": 1280, "height": 900})
    order = make_ready_for_lab(paid_order())  # the lab app's receiver hands it to the lab
    if order.status == Status.CLINICALLY_APPROVED:
        order = fulfilment.order_mark_sent_to_lab(order=order)
    assert order.status == Status.SENT_TO_LAB
    _sign_in(page)

    # The paid order on its change page: sections, formatted money, fits 1280 px.
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    assert _fits(page), page.evaluate("document.documentElement.scrollWidth")
    assert "£164.00" in page.content()
    page.locator('textarea[name="notes-0-text"]').fill("Customer asked for delivery to work.")
    page.get_by_role("button", name="Save and continue editing").click()
    assert "Anna Berg (staff) wrote a note" in page.locator(".desk-timeline").inner_text()

    # "At the lab" lists it; mark in production, with a confirmation page.
    page.goto("/admin/orders/order/?work=at_lab")
    assert order.number in page.locator("#result_list").inner_text()
    _run_action(page, order, "Mark in production")
    assert page.locator("h1").inner_text() == "Mark in production"
    page.get_by_role("button", name="Confirm").click()
    assert Order.objects.get(pk=order.pk).status == Status.IN_PRODUCTION

    # Shipped: carrier and tracking number asked, errors first.
    _run_action(page, order, "Mark shipped (carrier and tracking)")
    page.get_by_role("button", name="Confirm").click()
    assert "Enter the tracking number" in page.locator(".error-summary").inner_text()
    page.get_by_label("Royal Mail").check()
    page.get_by_label("Tracking number").fill("RM123456785GB")
    page.get_by_role("button", name="Confirm").click()
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        Status.SHIPPED,
        "Royal Mail",
        "RM123456785GB",
    )

    # Delivered (shipped orders are no longer "at the lab": straight from the list).
    page.goto("/admin/orders/order/")
    page.locator(f'input[name="_selected_action"][value="{order.pk}"]').check()
    page.locator('select[name="action"]').select_option(label="Mark delivered")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Confirm").click()
    assert Order.objects.get(pk=order.pk).status == Status.DELIVERED

    page.goto(f"/admin/orders/order/{order.pk}/change/")
    assert _fits(page), page.evaluate("document.documentElement.scrollWidth")
    timeline = page.locator(".desk-timeline").inner_text()
    for done in ("marked it in production", "marked it shipped", "marked it delivered"):
        assert f"Anna Berg (staff) {done}" in timeline

    # The customer's page: the tracking number is a link to the carrier's page.
    page.goto(order.get_absolute_url())
    link = page.get_by_role("link", name="Track parcel RM123456785GB")
    assert link.get_attribute("href") == (
        "https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB"
    )
    assert "Customer asked for delivery" not in page.content()
    assert page.console_errors == []
