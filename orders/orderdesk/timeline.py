"""The order's timeline as staff read it: who, what, when ("Anna (staff) marked it shipped"),
status moves and staff notes together, oldest first, in three queries whatever its length."""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.models import Order
from orders.states import Status

S = Status


def _verbs() -> dict[str, str]:
    return {
        S.AWAITING_PAYMENT: _("reopened the payment"),
        S.PAYMENT_PROCESSING: _("started a bank payment"),
        S.PAYMENT_FAILED: _("saw the payment fail"),
        S.CHECKOUT_EXPIRED: _("let the payment page expire"),
        S.PAID: _("confirmed the payment"),
        S.AWAITING_SCANS: _("asked for the foot scans"),
        S.SCANS_RECEIVED: _("accepted both foot scans"),
        S.CLINICALLY_APPROVED: _("approved it for the lab"),
        S.SENT_TO_LAB: _("sent it to the lab"),
        S.IN_PRODUCTION: _("marked it in production"),
        S.SHIPPED: _("marked it shipped"),
        S.DELIVERED: _("marked it delivered"),
        S.CANCELLED: _("cancelled it"),
        S.REFUNDED: _("recorded the full refund"),
    }


def who(user, clinicians: set[int]) -> str:
    """ "Anna (staff)", "Dr Shah (clinician)", or "The system" for Stripe, the lab and tasks."""
    if user is None:
        return _("The system")
    name = user.get_full_name().strip() or user.get_username()
    if user.pk in clinicians:
        return _("%(name)s (clinician)") % {"name": name}
    if user.is_staff:
        return _("%(name)s (staff)") % {"name": name}
    return _("%(name)s (customer)") % {"name": name}


def staff_timeline(order: Order) -> list[dict]:
    from django.contrib.auth import get_user_model

    changes = list(order.status_changes.select_related("actor").order_by("created_at", "id"))
    notes = list(order.notes.select_related("author"))
    people = {c.actor_id for c in changes} | {n.author_id for n in notes}
    clinicians = set(
        get_user_model()
        .objects.filter(pk__in=people - {None}, groups__name="Clinicians")
        .values_list("pk", flat=True)
    )
    verbs = _verbs()
    rows = []
    for change in changes:
        if not change.from_status:
            sentence = _("The customer placed the order")
        elif change.from_status == change.to_status:
            sentence = _("%(who)s added to the record") % {"who": who(change.actor, clinicians)}
        else:
            sentence = _("%(who)s %(did)s (now: %(status)s)") % {
                "who": who(change.actor, clinicians),
                "did": verbs.get(change.to_status, change.to_status),
                "status": change.get_to_status_display(),
            }
        rows.append(
            {"at": change.created_at, "kind": "status", "sentence": sentence, "note": change.note}
        )
    for note in notes:
        sentence = _("%(who)s wrote a note") % {"who": who(note.author, clinicians)}
        rows.append(
            {"at": note.created_at, "kind": "note", "sentence": sentence, "note": note.text}
        )
    return sorted(rows, key=lambda row: row["at"])
