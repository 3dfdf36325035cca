"""Finds the reminders that are due and owes each one once, as a shared-outbox email.

`reminders_send_due` runs from beat (hourly). Each reminder is written with its `SentReminder`
row in one transaction: the unique constraint makes a second run (or a second beat) a no-op, and
the outbox sends it after commit, retries it and sweeps it up if the broker was down.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from content.models import Subscriber
from fitsperfect.outbox import outbox_email_queue
from orders.models import Order
from orders.states import WAITING_FOR_SCANS_STATUSES, Status

from .models import ReminderOptOut, SentReminder

logger = logging.getLogger(__name__)
Kind = SentReminder.Kind
UNSUBSCRIBE_SALT = "orders.reminders.unsubscribe"
# How long after the event each reminder is due, and how long after that it is still worth sending
# (a reminder found late, after an outage, still goes; one for an event long past does not).
DUE_AFTER = {
    Kind.SCANS_3_DAYS: timedelta(days=3),
    Kind.SCANS_7_DAYS: timedelta(days=7),
    Kind.ASSESSMENT_7_DAYS: timedelta(days=7),
    Kind.DELIVERY_14_DAYS: timedelta(days=14),
}
STILL_WORTH = timedelta(days=7)
# The products' promise ("Free adjustment within 60 days"), repeated in the follow-up.
FREE_ADJUSTMENT_DAYS = 60


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.strip().lower(), salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(email: str) -> str:
    path = reverse("orders:reminders_unsubscribe", kwargs={"token": unsubscribe_token(email)})
    return settings.SITE_URL + path


@transaction.atomic
def reminder_unsubscribe(*, token: str) -> ReminderOptOut | None:
    """One click on the link: the address gets no more follow-ups (recorded). None for a bad link."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(email, str) or "@" not in email:
        return None
    optout, _created = ReminderOptOut.objects.get_or_create(email=email.lower())
    return optout


def _opted_out(email: str) -> bool:
    return ReminderOptOut.objects.filter(email=email.strip().lower()).exists()


def _window(kind: str, now):
    """(earliest, latest) event time for which `kind` is due now."""
    latest = now - DUE_AFTER[kind]
    return latest - STILL_WORTH, latest


def _owe(*, kind: str, to: str, template: str, context: dict, order=None, assessment=None) -> bool:
    """Writes the reminder's row and its email together; False when it was already sent."""
    transactional = kind in {Kind.SCANS_3_DAYS, Kind.SCANS_7_DAYS}
    headers = {}
    if not transactional:
        context = {**context, "unsubscribe_url": unsubscribe_url(to)}
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    context = {**context, "site_url": settings.SITE_URL}
    base = f"reminders/emails/{template}"
    try:
        with transaction.atomic():
            row = SentReminder.objects.create(kind=kind, order=order, assessment=assessment)
            row.email = outbox_email_queue(
                to=to,
                subject=render_to_string(f"{base}_subject.txt", context),
                text=render_to_string(f"{base}.txt", context),
                html=render_to_string(f"{base}.html", context),
                kind=f"reminder-{kind}",
                ref=str((order or assessment).pk),
                headers=headers,
            )
            row.save(update_fields=["email"])
    except IntegrityError:
        return False
    return True


def _order_context(order: Order) -> dict:
    return {"order": order, "order_url": settings.SITE_URL + order.get_absolute_url()}


def reminders_scans(*, now) -> int:
    """Paid, still no scans: reminded 3 and then 7 days after payment (about the order: no
    unsubscribe)."""
    sent = 0
    for kind in (Kind.SCANS_3_DAYS, Kind.SCANS_7_DAYS):
        earliest, latest = _window(kind, now)
        orders = Order.objects.filter(
            status__in=[*WAITING_FOR_SCANS_STATUSES], paid_at__range=(earliest, latest)
        ).exclude(pk__in=SentReminder.objects.filter(kind=kind).values("order_id"))
        for order in orders.order_by("paid_at"):
            context = {
                **_order_context(order),
                "days": DUE_AFTER[kind].days,
                "scans_url": settings.SITE_URL + reverse("orders:scans", args=[order.access_token]),
            }
            sent += _owe(kind=kind, to=order.email, template="scans", context=context, order=order)
    return sent


def reminders_delivery(*, now) -> int:
    """Delivered 14 days ago: how do they feel? With the free-adjustment promise."""
    kind = Kind.DELIVERY_14_DAYS
    earliest, latest = _window(kind, now)
    orders = Order.objects.filter(
        status=Status.DELIVERED, delivered_at__range=(earliest, latest)
    ).exclude(pk__in=SentReminder.objects.filter(kind=kind).values("order_id"))
    sent = 0
    for order in orders.order_by("delivered_at"):
        if _opted_out(order.email):
            continue
        context = {**_order_context(order), "free_days": FREE_ADJUSTMENT_DAYS}
        sent += _owe(kind=kind, to=order.email, template="delivery", context=context, order=order)
    return sent


def reminders_assessment(*, now) -> int:
    """An assessment result with no order 7 days after it was submitted, only to an address that
    agreed to marketing email: the assessment records health-data consent only (to store and
    review the answers), never consent to be emailed offers, so the consent read here is a
    confirmed newsletter subscription (double opt-in, `content.Subscriber.consented_at`). Never to
    a referral (a red flag or a clinician's "refer in person")."""
    kind = Kind.ASSESSMENT_7_DAYS
    earliest, latest = _window(kind, now)
    consenting = Subscriber.objects.filter(
        status=Subscriber.Status.CONFIRMED, consented_at__isnull=False
    ).values("email")
    assessments = (
        Assessment.objects.filter(
            status__in=[Assessment.Status.SUBMITTED, Assessment.Status.REVIEWED],
            submitted_at__range=(earliest, latest),
            referred_in_person_at__isnull=True,
            red_flags=[],
            orders__isnull=True,
            contact_email__in=consenting,
        )
        .exclude(decision=Assessment.Decision.REFER_IN_PERSON)
        .exclude(pk__in=SentReminder.objects.filter(kind=kind).values("assessment_id"))
    )
    sent = 0
    for assessment in assessments.order_by("submitted_at"):
        if _opted_out(assessment.contact_email):
            continue
        url = settings.SITE_URL + reverse("assessments:result", args=[assessment.token])
        sent += _owe(
            kind=kind,
            to=assessment.contact_email,
            template="assessment",
            context={"result_url": url},
            assessment=assessment,
        )
    return sent


def reminders_send_due(*, now=None) -> dict[str, int]:
    """Beat's hourly run: every reminder due now, each at most once."""
    now = now or timezone.now()
    return {
        "scans": reminders_scans(now=now),
        "assessment": reminders_assessment(now=now),
        "delivery": reminders_delivery(now=now),
    }
