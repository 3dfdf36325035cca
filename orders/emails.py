"""Renders and sends the customer emails (HTML and plain text) for an `OrderEmail` row, and owns
the email's status: its transition table and its one writer (`order_email_set_status`).

The rows are an outbox: each is written in the transaction of the change that owes it
(`services.order_queue_email`) and its send is enqueued on commit. A lost enqueue (the broker was
down at commit) or a lost retry is found by beat's sweep (`order_emails_sweep`, every minute); a
send that fails for good alerts staff (`order_email_failure_alert_send`), who resend it from the
admin (`order_email_resend`).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

# The sweep's two ages and the status table are the shared outbox's (same status values): order
# emails and the other customer emails follow one rule.
from fitsperfect.outbox import (
    EMAIL_TRANSITIONS,
    NEVER_TRIED_AFTER,
    fail_for_good,
    failure_alert_send,
    resend,
    stale_email_ids,
    sweep_emails,
)

from .models import OrderEmail
from .selectors import carrier_tracking_url, person_name
from .signals import order_email_status_changed

logger = logging.getLogger(__name__)

EmailStatus = OrderEmail.Status
SEND_TASK = "orders.tasks.send_order_email"
ALERT_TASK = "orders.tasks.alert_order_email_failure"


@transaction.atomic
def order_email_start_attempt(*, email_id: int) -> OrderEmail | None:
    """Counts an attempt (committed before the send); None when the email is gone or already sent."""
    email = OrderEmail.objects.select_for_update().select_related("order").filter(pk=email_id)
    email = email.first()
    if email is None or email.status == EmailStatus.SENT:
        return None
    email.attempts += 1
    email.last_attempt_at = timezone.now()
    email.save(update_fields=["attempts", "last_attempt_at"])
    return email


@transaction.atomic
def order_email_set_status(*, email_id: int, to_status: str, error: str = "") -> bool:
    """The one writer of `OrderEmail.status`: locks the row, checks `EMAIL_TRANSITIONS`, records
    the error or the time sent, and signals `order_email_status_changed` after commit. False (and
    nothing written) when the move is not in the table, e.g. a late failure of an email another
    worker already sent."""
    email = OrderEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None or to_status not in EMAIL_TRANSITIONS[email.status]:
        return False
    from_status = email.status
    email.status = to_status
    email.last_error = error[:2000]
    fields = ["status", "last_error"]
    if to_status == EmailStatus.SENT:
        email.sent_at = timezone.now()
        fields.append("sent_at")
    email.save(update_fields=fields)
    transaction.on_commit(
        lambda: order_email_status_changed.send(
            sender=OrderEmail, email=email, from_status=from_status, to_status=to_status
        )
    )
    return True


def email_context(email: OrderEmail) -> dict:
    """What every order email may say: in the customer's words, never an internal reference."""
    order = email.order
    return {
        "order": order,
        "approver": person_name(order.approved_for_lab_by, _("Our clinician")),
        "tracking_url": carrier_tracking_url(order.carrier, order.tracking_number),
        "lines": list(order.lines.all()),
        "order_url": settings.SITE_URL + order.get_absolute_url(),
        "site_url": settings.SITE_URL,
        "kind": email.kind,
    }


def render_email(email: OrderEmail) -> tuple[str, str, str]:
    """(subject, text, html) for the email's kind."""
    context = email_context(email)
    base = f"orders/emails/{email.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    text = render_to_string(f"{base}.txt", context)
    html = render_to_string(f"{base}.html", context)
    return subject, text, html


def send_email(email: OrderEmail) -> None:
    subject, text, html = render_email(email)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.order.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()


def order_emails_stale(*, now=None, never_tried_after=NEVER_TRIED_AFTER) -> list[int]:
    return stale_email_ids(OrderEmail, now=now, never_tried_after=never_tried_after)


def order_emails_sweep(*, never_tried_after=NEVER_TRIED_AFTER) -> int:
    return sweep_emails(OrderEmail, send_task=SEND_TASK, never_tried_after=never_tried_after)


def order_email_failed_for_good(*, email_id: int, error: str) -> bool:
    return fail_for_good(
        set_status=order_email_set_status, alert_task=ALERT_TASK, email_id=email_id, error=error
    )


def order_email_failure_alert_send(*, email_id: int) -> bool:
    email = OrderEmail.objects.select_related("order").filter(pk=email_id).first()
    return failure_alert_send(
        email=email,
        what=f"order {email.order.number}" if email is not None else "",
        admin_url_name="admin:orders_orderemail_change",
    )


def order_email_resend(*, email: OrderEmail) -> bool:
    return resend(email_id=email.pk, set_status=order_email_set_status, send_task=SEND_TASK)
