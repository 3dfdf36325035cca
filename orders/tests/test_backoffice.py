"""The back office: work filters, staff notes, the readable timeline, cancel with refund."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders import fulfilment, services
from orders.models import Order, OrderNote
from orders.orderdesk import selectors
from orders.payments import testmode
from orders.states import Status

from .factories import add_valid_scan, create_order, make_ready_for_lab, paid_order, staff_user

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff_client(client):
    user = staff_user("anna")
    user.first_name = "Anna"
    user.save()
    client.force_login(user)
    client.user = user
    return client


def _listed(client, query: str) -> set[str]:
    html = client.get(CHANGELIST + query).content.decode()
    return {number for number in Order.objects.values_list("number", flat=True) if number in html}


def test_the_work_filters_find_the_work(staff_client, catalogue):
    waiting = paid_order(email="wait@example.com")
    late = paid_order(email="late@example.com")
    Order.objects.filter(pk=late.pk).update(paid_at=timezone.now() - timedelta(days=8))
    review = paid_order(email="review@example.com")
    scan = add_valid_scan(review, "left")
    scan.status = "needs_review"
    scan.save()
    replaced = paid_order(email="replaced@example.com")  # a newer upload came after the review
    old = add_valid_scan(replaced, "left")
    old.status = "needs_review"
    old.save()
    add_valid_scan(replaced, "left")
    ready = make_ready_for_lab(paid_order(email="ready@example.com"))
    at_lab = fulfilment.order_mark_sent_to_lab(
        order=make_ready_for_lab(paid_order(email="lab@example.com"))
    )
    assert at_lab.dispatch_due_at > timezone.now() + timedelta(days=13)  # 10 working days
    overdue_lab = fulfilment.order_mark_sent_to_lab(
        order=make_ready_for_lab(paid_order(email="slow@example.com"))
    )
    Order.objects.filter(pk=overdue_lab.pk).update(dispatch_due_at=timezone.now())
    flagged = services.order_set_payment_flag(order=create_order(), flag="Amount mismatch")

    assert _listed(staff_client, "?work=approve") == {
        waiting.number,
        late.number,
        review.number,
        replaced.number,
    }
    assert _listed(staff_client, "?work=scans_review") == {review.number}
    assert _listed(staff_client, "?work=ready_for_lab") == {ready.number}
    assert _listed(staff_client, "?work=at_lab") == {at_lab.number, overdue_lab.number}
    assert _listed(staff_client, "?work=overdue") == {late.number, overdue_lab.number}
    assert _listed(staff_client, "?work=flagged") == {flagged.number}
    assert selectors.orders_for_work(Order.objects.all(), "overdue").count() == 2


def test_search_by_postcode_phone_and_email(staff_client, catalogue):
    order = create_order(email="finder@example.com")
    Order.objects.filter(pk=order.pk).update(phone="07700 900123")
    for query in ("sw1a 1aa", "07700 900123", "finder@example.com"):
        assert _listed(staff_client, f"?q={query}") == {order.number}, query


def test_notes_are_records_of_their_own_and_the_timeline_reads_who_what_when(
    staff_client, catalogue
):
    order = paid_order()
    url = reverse("admin:orders_order_change", args=[order.pk])
    html = staff_client.get(url).content.decode()
    assert "£164.00" in html and "Awaiting scans" in html
    form = {
        "full_name": order.full_name,
        "email": order.email,
        "phone": "",
        "address_line1": order.address_line1,
        "address_line2": "",
        "city": order.city,
        "region": "",
        "postcode": order.postcode,
        "country": order.country,
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-0-text": "Customer rang: she is away until Friday.",
    }
    page = html
    for prefix in re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page):
        if prefix != "notes":
            initial = re.search(rf'name="{prefix}-INITIAL_FORMS" value="(\d+)"', page).group(1)
            form |= {f"{prefix}-TOTAL_FORMS": initial, f"{prefix}-INITIAL_FORMS": initial}
    response = staff_client.post(url, form)
    assert response.status_code == 302, re.findall(
        r"errorlist[^<]*<li>[^<]*", response.content.decode()
    )
    note = OrderNote.objects.get(order=order)
    assert note.author == staff_client.user and "away until Friday" in note.text
    fulfilment.order_mark_scans_received(order=order, actor=staff_client.user)
    html = staff_client.get(url).content.decode()
    assert "Anna (staff) wrote a note" in html
    assert "Anna (staff) accepted both foot scans (now: Scans received)" in html
    assert "The system confirmed the payment (now: Paid)" in html
    assert "away until Friday" not in staff_client.get(order.get_absolute_url()).content.decode()


def test_in_production_and_delivered_are_confirmed_then_recorded(staff_client, catalogue):
    order = fulfilment.order_mark_sent_to_lab(order=make_ready_for_lab(paid_order()))
    data = {"action": "action_mark_in_production", "_selected_action": [order.pk]}
    page = staff_client.post(CHANGELIST, data).content.decode()
    assert "Note for the timeline" in page and order.number in page
    assert Order.objects.get(pk=order.pk).status == Status.SENT_TO_LAB
    staff_client.post(CHANGELIST, {**data, "apply": "1", "note": "Lab phoned"})
    change = Order.objects.get(pk=order.pk).status_changes.last()
    assert (change.to_status, change.actor, change.note) == (
        Status.IN_PRODUCTION,
        staff_client.user,
        "Lab phoned",
    )
    data["action"] = "action_mark_delivered"
    staff_client.post(CHANGELIST, {**data, "apply": "1"})  # not shipped yet: refused
    assert Order.objects.get(pk=order.pk).status == Status.IN_PRODUCTION


def test_cancel_with_refund_goes_through_the_payments_refund(staff_client, catalogue, settings):
    settings.PAYMENTS_TEST_MODE = True
    settings.STRIPE_SECRET_KEY = ""
    order = create_order()
    testmode.deliver_test_event("checkout.session.completed", testmode.test_session_object(order))
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS
    data = {"action": "action_cancel_refund", "_selected_action": [order.pk], "apply": "1"}
    staff_client.post(CHANGELIST, {**data, "reason": "Wrong size ordered", "refund": "on"})
    order.refresh_from_db()
    assert order.status == Status.REFUNDED and order.amount_refunded == order.amount_paid
    moves = list(order.status_changes.values_list("to_status", flat=True))
    assert moves[-2:] == [Status.CANCELLED, Status.REFUNDED]
