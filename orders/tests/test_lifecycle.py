"""Approval, scans and the lab: the services issue 7 builds on, and the assessment signal."""

import pytest
from django.core import mail

from assessments.signals import assessment_approved
from orders import fulfilment, services
from orders.signals import order_ready_for_lab
from orders.states import IllegalTransition, Status

from .factories import clinician_user, create_order

pytestmark = pytest.mark.django_db


def _assessment(**kwargs):
    from assessments.models import Assessment

    return Assessment.objects.create(status="submitted", band="moderate", **kwargs)


def _paid(order):
    services.order_mark_paid(order=order, event=None, amount=order.total, currency=order.currency)
    return order


@pytest.fixture
def ready_signals():
    received = []

    def receiver(sender, order, **kwargs):
        received.append(order.pk)

    order_ready_for_lab.connect(receiver)
    yield received
    order_ready_for_lab.disconnect(receiver)


def test_approval_before_the_scans_waits_then_moves_on_when_they_arrive(catalogue, ready_signals):
    assessment = _assessment()
    order = _paid(create_order(assessment=assessment))
    assessment.decision = "approved"
    assessment.save()
    assessment_approved.send(sender=type(assessment), assessment=assessment, reviewer=None)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS and order.approved_for_lab_at
    assert ready_signals == []
    fulfilment.order_mark_scans_received(order=order)
    assert order.status == Status.CLINICALLY_APPROVED
    assert ready_signals == [order.pk]


def test_approval_after_the_scans_moves_the_order_on(catalogue, ready_signals, django_user_model):
    clinician = django_user_model.objects.create_user("dr")
    assessment = _assessment(decision="approved")
    order = _paid(create_order(assessment=assessment))
    fulfilment.order_mark_scans_received(order=order)
    assert order.status == Status.SCANS_RECEIVED
    assessment_approved.send(sender=type(assessment), assessment=assessment, reviewer=clinician)
    order.refresh_from_db()
    assert order.status == Status.CLINICALLY_APPROVED
    assert order.status_changes.last().actor == clinician
    assert ready_signals == [order.pk]


def test_approval_of_an_unpaid_or_cancelled_order_does_not_move_it(catalogue):
    assessment = _assessment(decision="approved")
    unpaid = create_order(assessment=assessment)
    cancelled = create_order(assessment=assessment)
    services.order_cancel(order=cancelled)
    assessment_approved.send(sender=type(assessment), assessment=assessment, reviewer=None)
    unpaid.refresh_from_db()
    cancelled.refresh_from_db()
    assert unpaid.status == Status.AWAITING_PAYMENT and unpaid.approved_for_lab_at
    assert cancelled.status == Status.CANCELLED and cancelled.approved_for_lab_at is None


def test_orders_never_accept_a_referred_or_draft_assessment(catalogue):
    for status in ("referred", "draft"):
        with pytest.raises(ValueError):
            create_order(assessment=_assessment_with(status))


def _assessment_with(status):
    from assessments.models import Assessment

    return Assessment.objects.create(status=status)


def test_only_a_clinician_approves_an_order_without_an_assessment(catalogue, django_user_model):
    staff = django_user_model.objects.create_user("kim", is_staff=True, is_superuser=True)
    order = _paid(create_order(assessment=_assessment()))
    with pytest.raises(ValueError):
        fulfilment.order_approve_for_lab(order=order, actor=clinician_user())
    plain = _paid(create_order())
    fulfilment.order_mark_scans_received(order=plain)
    with pytest.raises(services.ClinicalApprovalRefused):
        fulfilment.order_approve_for_lab(order=plain, actor=staff)
    plain.refresh_from_db()
    assert plain.status == Status.SCANS_RECEIVED and plain.approved_for_lab_at is None
    fulfilment.order_approve_for_lab(order=plain, actor=clinician_user())
    assert plain.status == Status.CLINICALLY_APPROVED


def test_the_lab_reports_move_the_order_and_email_the_customer(
    catalogue, django_capture_on_commit_callbacks
):
    order = _paid(create_order())
    fulfilment.order_mark_scans_received(order=order)
    fulfilment.order_record_clinical_approval(order=order, actor=clinician_user())
    with django_capture_on_commit_callbacks(execute=True):
        fulfilment.order_mark_sent_to_lab(order=order, lab_reference="L-77")
        fulfilment.order_mark_shipped(order=order, carrier="Royal Mail", tracking_number="RM1GB")
    subjects = [m.subject for m in mail.outbox]
    assert any("with our lab" in s for s in subjects) and any("shipped" in s for s in subjects)
    html = next(m for m in mail.outbox if "shipped" in m.subject).alternatives[0][0]
    assert "RM1GB" in html
    with pytest.raises(IllegalTransition):
        fulfilment.order_mark_in_production(order=order)  # the lab cannot go backwards


def test_a_replaced_scan_sends_the_order_back_to_waiting_for_scans(catalogue):
    order = _paid(create_order())
    fulfilment.order_mark_scans_received(order=order)
    fulfilment.order_record_clinical_approval(order=order, actor=clinician_user())
    fulfilment.order_mark_scans_needed(order=order, note="Right scan replaced")
    assert order.status == Status.AWAITING_SCANS
    fulfilment.order_mark_scans_received(order=order)
    assert order.status == Status.CLINICALLY_APPROVED  # approval is kept


def test_the_lab_error_flag(catalogue):
    order = _paid(create_order())
    fulfilment.order_set_lab_error(order=order, error="HTTP 400 from lab")
    order.refresh_from_db()
    assert order.lab_error == "HTTP 400 from lab"


def test_the_demo_seed_is_idempotent():
    from orders import demo
    from orders.catalogue.models import Product, ProductOption
    from orders.models import Order

    for _ in range(2):
        demo.seed(open("/dev/null", "w"))  # noqa: SIM115
    assert set(Product.objects.values_list("slug", flat=True)) == {"everyday", "sport", "dress"}
    assert ProductOption.objects.count() == 15  # 3 products: 3 covers, extra pair, impression box
    order = Order.objects.get()
    assert order.status == Status.AWAITING_SCANS
