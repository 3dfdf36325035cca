"""The clinician's day at /clinic/ (issue 19): first what blocks a paid order (newest payment
first), then assessments waiting for review, then messages from customers; each row says how long
it has waited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, ClinicMessage
from assessments.tests.factories import clinician, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    from orders.tests.factories import seed_catalogue

    seed_catalogue()


def _paid(days_ago: float, **kwargs):
    from orders.models import Order
    from orders.tests.factories import create_order, pay

    order = pay(create_order(**kwargs))
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def test_the_day_lists_blocked_orders_then_assessments_then_messages(client, catalogue):
    from orders.clinic.tests.factories import add_prescription

    old_order = _paid(3)
    new_order = _paid(0.25, assessment=submitted())
    done = _paid(1)
    add_prescription(done)
    from orders import fulfilment

    fulfilment.order_approve_for_lab(order=done, actor=clinician("approver"))
    waiting = submitted()
    Assessment.objects.filter(pk=waiting.pk).update(
        submitted_at=timezone.now() - timedelta(days=2, hours=1)
    )
    message = services.clinic_message_create(
        name="Gina Green", email="gina@example.com", message="Is +6 a lot?"
    )
    ClinicMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=5)
    )
    client.force_login(clinician("nurse"))
    html = client.get(reverse("assessments:clinic_queue")).content.decode()
    blocking = html.index('id="blocking-heading"')
    queue = html.index('id="queue-heading"')
    messages = html.index('id="messages-heading"')
    assert blocking < queue < messages
    orders_table = html[blocking:queue]
    assert orders_table.index(new_order.number) < orders_table.index(old_order.number)
    assert done.number not in html  # approved with a prescription: nothing to do
    assert "waiting 3\xa0days" in orders_table and "waiting 6\xa0hours" in orders_table
    assert "needs your approval and prescription" in orders_table
    assert f"/clinic/orders/{new_order.pk}/" in orders_table
    assert "waiting 2\xa0days" in html[queue:messages]
    assert "waiting 5\xa0days" in html[messages:]
    assert "£" not in orders_table and "stripe" not in orders_table.lower()


def test_an_empty_day_says_so(client):
    client.force_login(clinician("nurse"))
    html = client.get(reverse("assessments:clinic_queue")).content.decode()
    assert "No paid order is waiting for a clinician." in html


def test_the_assessment_page_links_a_paid_order_to_its_approval(client, catalogue):
    assessment = submitted()
    order = _paid(1, assessment=assessment)
    client.force_login(clinician("nurse"))
    html = client.get(reverse("assessments:clinic_assessment", args=[assessment.pk])).content
    html = html.decode()
    assert f"Approve order {order.number} with a prescription" in html
    assert f'href="/clinic/orders/{order.pk}/"' in html
    assert 'id="scans-heading"' in html  # the Scans section (the scans app adds to it)


def test_the_day_runs_a_bounded_number_of_queries(client, catalogue, django_assert_max_num_queries):
    client.force_login(clinician("nurse"))
    for _ in range(3):
        _paid(1)
        submitted()
    with django_assert_max_num_queries(9):
        client.get(reverse("assessments:clinic_queue"))
    for _ in range(10):
        _paid(1)
        submitted()
    with django_assert_max_num_queries(9):
        client.get(reverse("assessments:clinic_queue"))
