"""Disputes, a second payment for a paid order, delayed payment methods and flags that clear."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from fitsperfect.money import money
from orders.payments.models import Dispute, Payment, PaymentFlag
from orders.states import Status
from orders.tests.factories import create_order, staff_user
from tests.fakes.stripe import event, post_event

pytestmark = pytest.mark.django_db


def _dispute(payment_intent: str, *, status: str = "warning_needs_response", amount: int = 16400):
    """A Dispute object shaped as Stripe's fixture (tests/fixtures/stripe/dispute.json)."""
    return {
        "id": "dp_test_1",
        "object": "dispute",
        "amount": amount,
        "charge": "ch_test_1",
        "currency": "gbp",
        "evidence_details": {
            "due_by": 1893456000,  # 2030-01-01 00:00 UTC
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": status,
    }


def test_a_dispute_is_recorded_flagged_alerted_shown_with_its_deadline_and_lost_counts_as_refund(
    client, paid_order, webhook_secret, settings, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_ALERT_EMAILS = ["money@example.com"]
    order, session = paid_order
    pi = session["payment_intent"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("charge.dispute.created", _dispute(pi)), webhook_secret)
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert dispute.order == order and dispute.evidence_due_by.year == 2030
    order.refresh_from_db()
    assert "Dispute dp_test_1" in order.payment_flag and "2030-01-01" in order.payment_flag
    assert any("Dispute" in m.subject and order.number in m.subject for m in mail.outbox)

    post_event(
        client, event("charge.dispute.updated", _dispute(pi, status="under_review")), webhook_secret
    )
    assert Dispute.objects.get().status == "under_review"
    assert PaymentFlag.objects.filter(order=order, resolved_at__isnull=True).count() == 1

    client.force_login(staff_user())
    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "dp_test_1" in html and "Evidence due by" in html.replace(
        "evidence due by", "Evidence due by"
    )
    # Amounts in the payments and disputes sections read as money, never as minor units.
    shown = money(dispute.amount, dispute.currency)
    assert shown in html and f">{dispute.amount}<" not in html
    dispute_page = reverse("admin:payments_dispute_change", args=[dispute.pk])
    assert shown in client.get(dispute_page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client, event("charge.dispute.closed", _dispute(pi, status="lost")), webhook_secret
        )
    order.refresh_from_db()
    assert order.payment_flag == ""  # closed: the flag is resolved
    assert order.amount_refunded == order.total and order.status == Status.REFUNDED


def test_a_won_dispute_clears_the_flag_and_refunds_nothing(client, paid_order, webhook_secret):
    order, session = paid_order
    pi = session["payment_intent"]
    post_event(client, event("charge.dispute.created", _dispute(pi)), webhook_secret)
    post_event(client, event("charge.dispute.closed", _dispute(pi, status="won")), webhook_secret)
    order.refresh_from_db()
    assert order.payment_flag == "" and order.amount_refunded == 0
    assert order.status == Status.AWAITING_SCANS


def test_a_second_payment_for_a_paid_order_is_recorded_flagged_alerted_and_refunded_in_one_click(
    client,
    paid_order,
    stripe_server,
    webhook_secret,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PAYMENTS_ALERT_EMAILS = ["money@example.com"]
    order, session = paid_order
    # The customer paid again in another tab: a second session, a second PaymentIntent.
    second = {**session, "id": "cs_test_second", "payment_intent": "pi_test_second"}
    stripe_server.charges["pi_test_second"] = dict(
        stripe_server.charges[session["payment_intent"]],
        id="ch_test_second",
        payment_intent="pi_test_second",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event("checkout.session.completed", second), webhook_secret)
    assert response.status_code == 200
    extra = Payment.objects.get(order=order, is_extra=True)
    assert extra.amount == order.total and extra.payment_intent_id == "pi_test_second"
    order.refresh_from_db()
    assert "Paid twice" in order.payment_flag and order.amount_paid == order.total
    assert any("Paid twice" in m.subject for m in mail.outbox)

    client.force_login(staff_user())
    changelist = reverse("admin:orders_order_changelist")
    client.post(changelist, {"action": "action_refund_extra", "_selected_action": [order.pk]})
    refund_posts = [r for r in stripe_server.requests if r[0] == "POST" and r[1] == "/v1/refunds"]
    assert refund_posts[-1][2]["payment_intent"] == "pi_test_second"
    assert refund_posts[-1][2]["amount"] == str(order.total)
    for settled in stripe_server.settle_refunds():
        post_event(client, settled, webhook_secret)
    order.refresh_from_db()
    assert order.payment_flag == ""  # resolved: the extra payment went back
    assert order.amount_refunded == 0 and order.status == Status.AWAITING_SCANS


def test_the_same_payment_reported_twice_is_not_a_double_payment(
    client, paid_order, webhook_secret
):
    order, session = paid_order
    post_event(client, event("checkout.session.async_payment_succeeded", session), webhook_secret)
    order.refresh_from_db()
    assert order.payment_flag == "" and not Payment.objects.filter(is_extra=True).exists()


def test_a_currency_mismatch_flag_clears_when_a_correct_payment_arrives(
    client, paid_order, webhook_secret
):
    order, session = paid_order
    fresh = create_order()
    wrong = {**session, "id": "cs_test_w", "payment_intent": "pi_test_w", "currency": "usd"}
    wrong["metadata"] = {"order_number": fresh.number}
    post_event(client, event("checkout.session.completed", wrong), webhook_secret)
    fresh.refresh_from_db()
    assert not fresh.is_paid and "USD" in fresh.payment_flag
    right = {**wrong, "id": "cs_test_r", "payment_intent": "pi_test_r", "currency": "gbp"}
    post_event(client, event("checkout.session.completed", right), webhook_secret)
    fresh.refresh_from_db()
    assert fresh.is_paid and fresh.payment_flag == ""
    assert PaymentFlag.objects.get(order=fresh).resolved_at is not None


def test_a_delayed_payment_shows_processing_without_a_pay_button_then_moves_on(
    client, catalogue, stripe_server, webhook_secret
):
    from orders.payments import checkout as stripe_checkout

    order = create_order()
    stripe_checkout.start_checkout(
        order=order, success_url="http://x/s", cancel_url="http://x/c", test_page_url="/"
    )
    order.refresh_from_db()
    pending = stripe_server.pay(order.stripe_checkout_session_id, payment_status="unpaid")
    post_event(client, event("checkout.session.completed", pending), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.PAYMENT_PROCESSING
    html = client.get(order.get_absolute_url() + "?checkout=success").content.decode()
    assert 'value="pay"' not in html and "few working days" in html
    assert 'http-equiv="refresh"' not in html
    assert "Payment processing" in html
    post_event(
        client,
        event("checkout.session.async_payment_succeeded", {**pending, "payment_status": "paid"}),
        webhook_secret,
    )
    order.refresh_from_db()
    assert order.status == Status.AWAITING_SCANS


def test_a_delayed_payment_that_fails_moves_processing_to_failed(
    client, catalogue, stripe_server, webhook_secret
):
    from orders.payments import checkout as stripe_checkout

    order = create_order()
    stripe_checkout.start_checkout(
        order=order, success_url="http://x/s", cancel_url="http://x/c", test_page_url="/"
    )
    order.refresh_from_db()
    pending = stripe_server.pay(order.stripe_checkout_session_id, payment_status="unpaid")
    post_event(client, event("checkout.session.completed", pending), webhook_secret)
    post_event(client, event("checkout.session.async_payment_failed", pending), webhook_secret)
    order.refresh_from_db()
    assert order.status == Status.PAYMENT_FAILED
    assert 'value="pay"' in client.get(order.get_absolute_url()).content.decode()


def test_the_success_page_stops_polling_after_a_minute_and_says_what_happens_by_email(
    client, catalogue
):
    order = create_order()
    first = client.get(order.get_absolute_url() + "?checkout=success").content.decode()
    refresh = re.search(r'http-equiv="refresh" content="5; url=([^"]+)"', first)
    assert refresh and "since=" in refresh.group(1)
    since = int(refresh.group(1).rsplit("since=", 1)[1])
    assert abs(since - time.time()) < 5
    later = client.get(
        order.get_absolute_url() + f"?checkout=success&since={since - 61}"
    ).content.decode()
    assert 'http-equiv="refresh"' not in later
    assert "we will email you as soon as" in later and "You do not need to pay again" in later


def test_staff_can_mark_a_flag_checked_and_it_is_kept_as_resolved(client, paid_order):
    from orders.payments import services as payment_services

    order, _session = paid_order
    payment_services.flag_raise(order=order, kind="other", message="Old flag", alert=False)
    order.refresh_from_db()
    assert order.payment_flag == "Old flag"
    client.force_login(staff_user())
    client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "action_resolve_flags", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.payment_flag == ""
    assert "Checked by staffer" in PaymentFlag.objects.get(order=order).resolution


def test_a_dispute_naming_only_its_charge_is_matched_through_the_charge(
    client, paid_order, stripe_server, webhook_secret
):
    order, session = paid_order
    charge = stripe_server.charges[session["payment_intent"]]
    dispute = {**_dispute(None), "charge": charge["id"]}
    assert (
        post_event(client, event("charge.dispute.created", dispute), webhook_secret).status_code
        == 200
    )
    assert Dispute.objects.get().order == order
    unknown = {**_dispute(None), "id": "dp_other", "charge": "ch_not_ours"}
    assert (
        post_event(client, event("charge.dispute.created", unknown), webhook_secret).status_code
        == 200
    )
    from orders.payments.models import StripeEvent

    assert (
        "not known to our Stripe account"
        in StripeEvent.objects.get(type="charge.dispute.created", result="ignored").outcome
    )
