"""Customer emails are an outbox: a lost enqueue or retry is swept up by beat, a send that fails for
good alerts staff, and staff resend it from the admin. Nothing the customer is owed is dropped."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import IN_CI, _reset_broker_connections
from orders import emails, services
from orders.models import OrderEmail
from tests.processes import wait_until

from .factories import create_order, seed_catalogue, staff_user

pytestmark = pytest.mark.django_db


def _email(order, **fields) -> OrderEmail:
    email = OrderEmail.objects.create(order=order, kind="confirmation")
    OrderEmail.objects.filter(pk=email.pk).update(**fields)
    return email


def test_the_sweep_picks_lost_enqueues_and_lost_retries_but_not_a_retry_in_flight(catalogue):
    order = create_order()
    now = timezone.now()
    lost_enqueue = _email(order, created_at=now - timedelta(minutes=3))
    just_queued = _email(order, created_at=now - timedelta(seconds=30))
    retry_waiting = _email(
        order, created_at=now - timedelta(hours=1), last_attempt_at=now - timedelta(minutes=20)
    )
    retry_lost = _email(
        order, created_at=now - timedelta(hours=5), last_attempt_at=now - timedelta(hours=3)
    )
    _email(order, created_at=now - timedelta(hours=5), status="sent")
    _email(order, created_at=now - timedelta(hours=5), status="failed")
    assert emails.order_emails_stale(now=now) == [retry_lost.pk, lost_enqueue.pk]
    assert just_queued.pk not in emails.order_emails_stale(now=now)
    assert retry_waiting.pk not in emails.order_emails_stale(now=now)


def test_a_send_that_fails_for_good_alerts_staff_who_resend_it_from_the_admin(
    catalogue, settings, client, django_capture_on_commit_callbacks
):
    from fitsperfect.celery import app
    from orders.tasks import send_order_email

    settings.ORDER_ALERT_EMAILS = ["orders@example.com"]
    settings.EMAIL_BACKEND = "orders.tests.broken_email.Backend"
    order = create_order()
    queued = OrderEmail.objects.create(order=order, kind="confirmation")
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send_order_email.apply(args=[queued.pk], throw=False)  # every retry, in-process
    finally:
        app.conf.task_eager_propagates = previous
    queued.refresh_from_db()
    assert queued.status == "failed" and "SMTP" in queued.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The alert was queued on commit while SMTP was down; it is retried and goes now.
    assert emails.order_email_failure_alert_send(email_id=queued.pk)
    alert = mail.outbox[-1]
    assert alert.to == ["orders@example.com"] and order.number in alert.subject
    assert order.email not in alert.body  # no customer address in a staff alert
    assert f"/admin/orders/orderemail/{queued.pk}/change/" in alert.body

    client.force_login(staff_user())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/orders/orderemail/",
            {"action": "action_resend", "_selected_action": [queued.pk]},
        )
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == "sent"
    assert [m.to for m in mail.outbox if m.to == [order.email]] == [[order.email]]


@pytest.mark.worker
def test_emails_owed_when_the_broker_was_down_at_payment_are_delivered_by_the_sweep(
    celery_worker, settings
):
    """The probe's finding: Redis unreachable while an order was paid left the confirmation and
    "scans needed" emails queued for good. Now beat's sweep sends them once the broker is back."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        message = "This test needs REDIS_URL (a Redis broker); CI always has one."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from fitsperfect.celery import app

    seed_catalogue()
    order = create_order()
    working = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens: the on-commit publish fails
    _reset_broker_connections(app)
    try:
        services.order_mark_paid(
            order=order, event=None, amount=order.total, currency=order.currency
        )
    finally:
        app.conf.broker_url = working
        _reset_broker_connections(app)
    owed = OrderEmail.objects.filter(order=order)
    assert sorted(owed.values_list("kind", "status")) == [
        ("confirmation", "queued"),
        ("scans_needed", "queued"),
    ]
    assert mail.outbox == []
    assert emails.order_emails_sweep(never_tried_after=timedelta(0)) == 2
    assert wait_until(lambda: not owed.exclude(status="sent").exists(), timeout=60)
    assert sorted(m.to[0] for m in mail.outbox) == [order.email, order.email]
    assert emails.order_emails_sweep(never_tried_after=timedelta(0)) == 0  # nothing sent twice
