"""Reminders by beat: each at most once, through the outbox, with an unsubscribe where not
transactional, and the assessment follow-up only with marketing consent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import Assessment
from assessments.tests.factories import referred, submitted
from content.models import Subscriber
from fitsperfect.models import OutboxEmail
from orders import fulfilment
from orders.models import Order
from orders.reminders.models import ReminderOptOut, SentReminder
from orders.reminders.services import reminders_send_due, unsubscribe_token
from orders.reminders.tasks import send_due_reminders

from .factories import make_ready_for_lab, paid_order

pytestmark = pytest.mark.django_db
Kind = SentReminder.Kind


def _ago(order, field: str, days: float) -> None:
    Order.objects.filter(pk=order.pk).update(**{field: timezone.now() - timedelta(days=days)})


def test_scans_reminders_go_at_3_and_7_days_once_each(
    catalogue, django_capture_on_commit_callbacks
):
    order = paid_order()
    _ago(order, "paid_at", 1)
    assert reminders_send_due()["scans"] == 0
    _ago(order, "paid_at", 3.1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due()["scans"] == 1
    assert reminders_send_due()["scans"] == 0  # at most once
    _ago(order, "paid_at", 7.1)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders() == {"scans": 1, "assessment": 0, "delivery": 0}
    assert send_due_reminders()["scans"] == 0
    kinds = set(SentReminder.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == {Kind.SCANS_3_DAYS, Kind.SCANS_7_DAYS}
    sent = [m for m in mail.outbox if "waiting for your foot scans" in m.subject]
    assert len(sent) == 2 and f"/orders/{order.access_token}/scans/" in sent[0].body
    assert "nsubscribe" not in sent[0].body  # about a paid order: transactional
    assert OutboxEmail.objects.filter(kind="reminder-scans_7_days", status="sent").count() == 1


def test_no_scans_reminder_once_the_scans_are_in(catalogue):
    order = make_ready_for_lab(paid_order())
    _ago(order, "paid_at", 3.5)
    assert reminders_send_due()["scans"] == 0


def test_the_database_refuses_a_second_reminder_of_a_kind(catalogue):
    from django.db import IntegrityError, transaction

    order = paid_order()
    SentReminder.objects.create(order=order, kind=Kind.SCANS_3_DAYS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SentReminder.objects.create(order=order, kind=Kind.SCANS_3_DAYS)


def _delivered(catalogue_order):
    order = make_ready_for_lab(catalogue_order)
    fulfilment.order_mark_sent_to_lab(order=order)
    fulfilment.order_mark_shipped(order=order, carrier="Royal Mail", tracking_number="RM1GB")
    fulfilment.order_mark_delivered(order=order)
    return order


def test_delivery_follow_up_at_14_days_with_the_promise_and_an_unsubscribe(
    catalogue, client, django_capture_on_commit_callbacks
):
    order = _delivered(paid_order())
    _ago(order, "delivered_at", 14.2)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due()["delivery"] == 1
    message = mail.outbox[-1]
    assert message.subject == "How do your orthotics feel?"
    assert "free of charge within 60 days" in message.body
    link = message.body.split("Unsubscribe in one click: ")[1].split()[0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    path = link.removeprefix("http://testserver").removeprefix("http://127.0.0.1:8000")
    assert b"Unsubscribe" in client.get(path).content
    assert not ReminderOptOut.objects.exists()  # a GET (a link scanner) unsubscribes nobody
    assert b"You are unsubscribed" in client.post(path).content
    assert ReminderOptOut.objects.filter(email="ann@example.com").exists()
    # another delivered order of the same customer: no follow-up now
    second = _delivered(paid_order())
    _ago(second, "delivered_at", 14.2)
    assert reminders_send_due()["delivery"] == 0


def test_a_tampered_unsubscribe_link_records_nothing(client):
    token = unsubscribe_token("ann@example.com")
    response = client.post(f"/reminders/unsubscribe/{token[:-2]}xx/")
    assert response.status_code == 400 and not ReminderOptOut.objects.exists()


def _aged(assessment: Assessment, days: float, email: str) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=timezone.now() - timedelta(days=days), contact_email=email
    )
    return Assessment.objects.get(pk=assessment.pk)


def test_assessment_follow_up_needs_marketing_consent_and_no_order(
    catalogue, django_capture_on_commit_callbacks
):
    """The assessment records health-data consent only; a confirmed newsletter subscription is
    the consent to be emailed."""
    without_consent = _aged(submitted(), 7.5, "no-consent@example.com")
    with_consent = _aged(submitted(), 7.5, "yes@example.com")
    ordered = _aged(submitted(), 7.5, "ordered@example.com")
    paid_order(assessment=ordered, email="ordered@example.com")
    red_flag = _aged(referred(), 7.5, "flag@example.com")
    now = timezone.now()
    for email in ("yes@example.com", "ordered@example.com", "flag@example.com"):
        Subscriber.objects.create(email=email, status="confirmed", consented_at=now)
    Subscriber.objects.create(email="no-consent@example.com", status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due()["assessment"] == 1
    assert reminders_send_due()["assessment"] == 0
    row = SentReminder.objects.get(kind=Kind.ASSESSMENT_7_DAYS)
    assert row.assessment == with_consent and row.email.to == "yes@example.com"
    assert f"/assessment/result/{with_consent.token}/" in mail.outbox[-1].body
    assert "Unsubscribe in one click" in mail.outbox[-1].body
    assert {without_consent.pk, red_flag.pk}.isdisjoint(
        SentReminder.objects.values_list("assessment_id", flat=True)
    )


def test_a_reminder_written_while_the_broker_is_down_is_kept_for_the_sweep(catalogue, settings):
    """The reminder and its outbox row commit together; the send is the outbox's (swept later)."""
    order = paid_order()
    _ago(order, "paid_at", 3.2)
    assert reminders_send_due()["scans"] == 1  # on-commit callbacks never ran: nothing sent yet
    email = SentReminder.objects.get(order=order).email
    assert email.status == OutboxEmail.Status.QUEUED
