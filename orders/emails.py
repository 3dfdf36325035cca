"""Renders and sends the customer emails (HTML and plain text) for an `OrderEmail` row, and owns
the email's status: its transition table and its one writer (`order_email_set_status`)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OrderEmail
from .signals import order_email_status_changed

EmailStatus = OrderEmail.Status
# A queued email is sent, or fails (for now: QUEUED again, so the task retries it; or for good).
# A repeated delivery of the task may try a FAILED one again; a SENT email is never touched.
EMAIL_TRANSITIONS: dict[str, frozenset[str]] = {
    EmailStatus.QUEUED: frozenset({EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.FAILED}),
    EmailStatus.FAILED: frozenset({EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.FAILED}),
    EmailStatus.SENT: frozenset(),
}


@transaction.atomic
def order_email_start_attempt(*, email_id: int) -> OrderEmail | None:
    """Counts an attempt (committed before the send); None when the email is gone or already sent."""
    email = OrderEmail.objects.select_for_update().select_related("order").filter(pk=email_id)
    email = email.first()
    if email is None or email.status == EmailStatus.SENT:
        return None
    email.attempts += 1
    email.save(update_fields=["attempts"])
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
    order = email.order
    return {
        "order": order,
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
