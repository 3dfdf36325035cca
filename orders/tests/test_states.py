"""The state machine: illegal moves raise and change nothing; every move is recorded."""

import pytest

from orders import fulfilment, services
from orders.models import Order, OrderStatusChange
from orders.states import TRANSITIONS, IllegalTransition, Status, can_transition

from .factories import clinician_user, create_order

pytestmark = pytest.mark.django_db


def _force(order: Order, status: str) -> Order:
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values]


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Status.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(Status.values)


@pytest.mark.parametrize(
    ("from_status", "to_status"), [p for p in ALL_PAIRS if not can_transition(*p)][:400]
)
def test_an_illegal_move_raises_and_changes_nothing(catalogue, from_status, to_status):
    order = _force(create_order(), from_status)
    before = OrderStatusChange.objects.filter(order=order).count()
    with pytest.raises(IllegalTransition):
        services.order_set_status(order=order, to_status=to_status)
    order.refresh_from_db()
    assert order.status == from_status
    assert OrderStatusChange.objects.filter(order=order).count() == before


def test_each_legal_move_is_recorded_with_who_when_from_to_and_note(catalogue, django_user_model):
    staff = django_user_model.objects.create_user("kim", is_staff=True)
    order = create_order()
    services.order_set_status(
        order=order, to_status=Status.CANCELLED, actor=staff, note="Customer asked"
    )
    change = order.status_changes.last()
    assert (change.from_status, change.to_status) == (Status.AWAITING_PAYMENT, Status.CANCELLED)
    assert change.actor == staff and change.note == "Customer asked" and change.created_at
    assert order.status == Status.CANCELLED and order.cancelled_at is not None


def test_the_whole_happy_path_is_recorded_in_order(catalogue):
    order = create_order()
    services.order_mark_paid(
        order=order,
        event=None,
        amount=order.total,
        currency=order.currency,
        payment_intent_id="pi_1",
    )
    fulfilment.order_mark_scans_received(order=order)
    fulfilment.order_record_clinical_approval(order=order, actor=clinician_user())
    fulfilment.order_mark_sent_to_lab(order=order, lab_reference="LAB-1")
    fulfilment.order_mark_in_production(order=order)
    fulfilment.order_mark_shipped(order=order, carrier="Royal Mail", tracking_number="RM123GB")
    fulfilment.order_mark_delivered(order=order)
    moves = list(order.status_changes.values_list("from_status", "to_status"))
    assert moves == [
        ("", "awaiting_payment"),
        ("awaiting_payment", "paid"),
        ("paid", "awaiting_scans"),
        ("awaiting_scans", "scans_received"),
        ("scans_received", "clinically_approved"),
        ("clinically_approved", "sent_to_lab"),
        ("sent_to_lab", "in_production"),
        ("in_production", "shipped"),
        ("shipped", "delivered"),
    ]
    order.refresh_from_db()
    assert order.tracking_number == "RM123GB" and order.lab_reference == "LAB-1"


def test_a_stale_instance_cannot_skip_the_check(catalogue):
    """The service re-reads the locked row: a stale in-memory status does not matter."""
    order = create_order()
    stale = Order.objects.get(pk=order.pk)
    services.order_cancel(order=order)
    assert stale.status == Status.AWAITING_PAYMENT  # legal from here, but not from CANCELLED
    with pytest.raises(IllegalTransition):
        services.order_set_status(order=stale, to_status=Status.PAYMENT_FAILED)
    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED


def test_shipping_needs_a_carrier_and_tracking_number(catalogue):
    order = create_order()
    with pytest.raises(ValueError):
        fulfilment.order_mark_shipped(order=order, carrier="", tracking_number="")
