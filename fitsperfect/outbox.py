"""The customer-email outbox shared by the apps whose emails have no row of their own (the result
link, the clinic's answer, the newsletter's confirmation and article announcements; order emails
have `orders.emails`, the same pattern on their own rows).

`outbox_email_queue` writes an `OutboxEmail` in the caller's transaction and enqueues its send on
commit. A lost enqueue (the broker was down at commit) or a lost retry is found by beat's sweep
(`outbox_emails_sweep`, every minute); a send that fails for good alerts staff
(`outbox_email_failure_alert_send`), who resend it from the admin (`outbox_email_resend`).
`outbox_email_sent` is sent in the transaction that makes a row SENT, so an app that records it
(the clinic answer's `answer_sent_at`) writes in that same transaction.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from .models import OutboxEmail
from .queueing import enqueue_now, enqueue_on_commit

logger = logging.getLogger(__name__)

EmailStatus = OutboxEmail.Status
SEND_TASK = "fitsperfect.tasks.send_outbox_email"
ALERT_TASK = "fitsperfect.tasks.alert_outbox_email_failure"
# Queued and never tried this long after it was written: its enqueue was lost.
NEVER_TRIED_AFTER = timedelta(minutes=2)
# Queued and last tried this long ago: longer than the task's longest backoff (30 min), so no retry
# of it is still waiting in the broker.
RETRY_LOST_AFTER = timedelta(hours=2)
# A queued email is sent, or fails (for now: QUEUED again, so the task retries it; or for good).
# A repeated delivery of the task may try a FAILED one again; a SENT email is never touched.
EMAIL_TRANSITIONS: dict[str, frozenset[str]] = {
    EmailStatus.QUEUED: frozenset({EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.FAILED}),
    EmailStatus.FAILED: frozenset({EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.FAILED}),
    EmailStatus.SENT: frozenset(),
}

# Sent inside the transaction that makes an email SENT; kwargs: email (the OutboxEmail).
outbox_email_sent = Signal()


def outbox_email_queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: str,
    ref: str = "",
    headers: dict[str, str] | None = None,
) -> OutboxEmail:
    """Write the email (rendered by the caller) in the caller's transaction; sent after commit."""
    email = OutboxEmail.objects.create(
        to=to,
        subject=" ".join(subject.split())[:255],
        text=text,
        html=html,
        kind=kind,
        ref=ref,
        headers=headers or {},
    )
    enqueue_on_commit(SEND_TASK, email.pk)
    return email


@transaction.atomic
def outbox_email_start_attempt(*, email_id: int) -> OutboxEmail | None:
    """Counts an attempt (committed before the send); None when the email is gone or already sent."""
    email = OutboxEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None or email.status == EmailStatus.SENT:
        return None
    email.attempts += 1
    email.last_attempt_at = timezone.now()
    email.save(update_fields=["attempts", "last_attempt_at"])
    return email


@transaction.atomic
def outbox_email_set_status(*, email_id: int, to_status: str, error: str = "") -> bool:
    """The one writer of `OutboxEmail.status`: locks the row, checks `EMAIL_TRANSITIONS`, records
    the error or the time sent, and signals `outbox_email_sent` in its transaction. False (and nothing
    written) when the move is not in the table, e.g. a late failure of an email already sent."""
    email = OutboxEmail.objects.select_for_update().filter(pk=email_id).first()
    if email is None or to_status not in EMAIL_TRANSITIONS[email.status]:
        return False
    email.status = to_status
    email.last_error = error[:2000]
    fields = ["status", "last_error"]
    if to_status == EmailStatus.SENT:
        email.sent_at = timezone.now()
        fields.append("sent_at")
    email.save(update_fields=fields)
    if to_status == EmailStatus.SENT:
        outbox_email_sent.send(sender=OutboxEmail, email=email)
    return True


def outbox_email_send(email: OutboxEmail) -> None:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers=email.headers or None,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    message.send()


def stale_email_ids(model, *, now=None, never_tried_after=NEVER_TRIED_AFTER) -> list[int]:
    """Queued rows of an email outbox (`OutboxEmail`, `orders.OrderEmail`) that no worker holds:
    never tried since `never_tried_after`, or last tried longer ago than any retry could wait."""
    now = now or timezone.now()
    return list(
        model.objects.filter(status=EmailStatus.QUEUED)
        .filter(
            Q(last_attempt_at__isnull=True, created_at__lte=now - never_tried_after)
            | Q(last_attempt_at__lte=now - RETRY_LOST_AFTER)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


def sweep_emails(model, *, send_task: str, never_tried_after=NEVER_TRIED_AFTER) -> int:
    """Beat: enqueue again the emails left behind. A second copy of a send is harmless (an email
    already SENT is skipped). Stops at the first broker error: the rows wait for the next sweep."""
    count = 0
    for email_id in stale_email_ids(model, never_tried_after=never_tried_after):
        try:
            enqueue_now(send_task, email_id)
        except Exception:
            logger.exception("Sweep could not enqueue %s %s", model._meta.label, email_id)
            break
        count += 1
    return count


def fail_for_good(*, set_status, alert_task: str, email_id: int, error: str) -> bool:
    """The send gave up: FAILED through the outbox's own writer, and staff are told once this
    commits."""
    with transaction.atomic():
        changed = set_status(email_id=email_id, to_status=EmailStatus.FAILED, error=error)
        if changed:
            enqueue_on_commit(alert_task, email_id)
    return changed


def outbox_emails_stale(*, now=None, never_tried_after=NEVER_TRIED_AFTER) -> list[int]:
    return stale_email_ids(OutboxEmail, now=now, never_tried_after=never_tried_after)


def outbox_emails_sweep(*, never_tried_after=NEVER_TRIED_AFTER) -> int:
    return sweep_emails(OutboxEmail, send_task=SEND_TASK, never_tried_after=never_tried_after)


def outbox_email_failed_for_good(*, email_id: int, error: str) -> bool:
    return fail_for_good(
        set_status=outbox_email_set_status, alert_task=ALERT_TASK, email_id=email_id, error=error
    )


def failure_alert_send(*, email, what: str, admin_url_name: str) -> bool:
    """Emails `ORDER_ALERT_EMAILS` about an email of either outbox that failed for good: `what` it
    was, its error and the admin link to resend it; never the customer's address or the body.
    False when there is nobody to tell or the email is no longer FAILED."""
    recipients = list(getattr(settings, "ORDER_ALERT_EMAILS", []))
    if not recipients or email is None or email.status != EmailStatus.FAILED:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse(admin_url_name, args=[email.pk])
    send_mail(
        subject=f"Customer email failed: {what} ({email.kind})",
        message=(
            f"The email ({what}, {email.kind}) could not be sent after {email.attempts} "
            f"attempt(s).\n\nError: {email.last_error}\n\n"
            f'Fix the cause, then use "Resend failed emails" in the admin: {link}\n'
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return True


@transaction.atomic
def resend(*, email_id: int, set_status, send_task: str) -> bool:
    """Staff "resend" of a FAILED email of either outbox: queued again through its own writer,
    attempts kept, sent on commit."""
    if not set_status(email_id=email_id, to_status=EmailStatus.QUEUED):
        return False
    enqueue_on_commit(send_task, email_id)
    return True


def outbox_email_failure_alert_send(*, email_id: int) -> bool:
    return failure_alert_send(
        email=OutboxEmail.objects.filter(pk=email_id).first(),
        what=f"#{email_id}",
        admin_url_name="admin:fitsperfect_outboxemail_change",
    )


def outbox_email_resend(*, email: OutboxEmail) -> bool:
    return resend(email_id=email.pk, set_status=outbox_email_set_status, send_task=SEND_TASK)


# --- A person's data (fitsperfect.accounts.privacy) ------------------------------------------


def outbox_emails_to(*, email: str):
    """Emails owed or sent to the address (bodies can be health data: a clinician's answer)."""
    return OutboxEmail.objects.filter(to__iexact=email.strip())


def outbox_emails_erase(*, email: str) -> int:
    """Unsent ones too: an email owed to someone erased is not sent."""
    deleted, _ = outbox_emails_to(email=email).delete()
    return deleted
