"""Writes that carry a paid order to the customer: scans received, clinical approval, the lab,
shipping and delivery. Each moves the order only through `orders.services.order_set_status`.

The scans app, the lab app and the assessments' signals (`orders.receivers`) call these; this
module imports neither app.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import assessment_approved_for_lab
from assessments.services import is_clinician

from .checkout.health_screen import order_screen
from .models import Order, OrderStatusChange
from .services import (
    ClinicalApprovalRefused,
    _locked,
    _sync,
    order_add_note,
    order_clinical_refusal,
    order_set_status,
)
from .states import PAID_STATUSES, SCAN_UPLOAD_STATUSES, UNPAID_STATUSES, Status


@transaction.atomic
def order_mark_scans_received(*, order: Order, actor=None, note: str = "") -> Order:
    """Both scans are in and valid. If the order is already approved it goes straight on to
    CLINICALLY_APPROVED (which sends `order_ready_for_lab`)."""
    fresh = _locked(order)
    if fresh.status == Status.PAID:
        order_set_status(order=fresh, to_status=Status.AWAITING_SCANS, actor=actor)
    order_set_status(
        order=fresh,
        to_status=Status.SCANS_RECEIVED,
        actor=actor,
        note=note or _("Both foot scans received."),
    )
    if not order_clinical_refusal(order=fresh):
        order_set_status(
            order=fresh,
            to_status=Status.CLINICALLY_APPROVED,
            actor=actor,
            note=_("Already approved for the lab."),
        )
    return _sync(order, fresh)


@transaction.atomic
def order_mark_scans_needed(
    *, order: Order, actor=None, note: str = "", status_email: bool = True
) -> Order:
    """A replaced scan failed validation after the order had its scans: wait for scans again
    (``status_email=False``: the caller emails the customer why)."""
    fresh = _locked(order)
    if fresh.status == Status.CLINICALLY_APPROVED:
        order_set_status(order=fresh, to_status=Status.SCANS_RECEIVED, actor=actor, note=note)
    return order_set_status(
        order=_sync(order, fresh),
        to_status=Status.AWAITING_SCANS,
        actor=actor,
        note=note,
        status_email=status_email,
    )


@transaction.atomic
def order_record_clinical_approval(*, order: Order, actor=None, note: str = "") -> Order:
    """Records a clinician's approval for the lab, moving the order on if its scans are in.
    Approval may come before the scans: then it waits on the order until they arrive.

    Raises `ClinicalApprovalRefused` when the approval would not stand (see
    `order_clinical_refusal`); nothing is recorded then.
    """
    fresh = _locked(order)
    if fresh.status not in PAID_STATUSES and fresh.status not in UNPAID_STATUSES:
        return _sync(order, fresh)  # cancelled or refunded: nothing to approve
    if fresh.approved_for_lab_at is None:
        fresh.approved_for_lab_at = timezone.now()
        fresh.approved_for_lab_by = actor if getattr(actor, "pk", None) else None
        refusal = order_clinical_refusal(order=fresh)
        if refusal:
            raise ClinicalApprovalRefused(refusal)
        fresh.save(update_fields=["approved_for_lab_at", "approved_for_lab_by", "updated_at"])
    if fresh.status == Status.SCANS_RECEIVED:
        order_set_status(
            order=fresh,
            to_status=Status.CLINICALLY_APPROVED,
            actor=actor,
            note=note or _("Approved for the lab."),
        )
    elif note or fresh.status in SCAN_UPLOAD_STATUSES:
        OrderStatusChange.objects.create(
            order=fresh,
            from_status=fresh.status,
            to_status=fresh.status,
            actor=fresh.approved_for_lab_by,
            note=note or _("Approved for the lab; waiting for the scans."),
        )
    return _sync(order, fresh)


@transaction.atomic
def order_approve_for_lab(
    *, order: Order, actor, note: str = "", red_flags_checked: bool = False
) -> Order:
    """A clinician's approval of an order with no assessment (with one, their review decides).
    General staff cannot approve anything for the lab.

    An order placed before checkout asked the health questions also needs `red_flags_checked`:
    the clinician confirms they asked the red-flag questions with the customer (recorded on the
    order and its timeline). An approval general staff gave before only clinicians could is
    replaced by this one. Nothing is recorded when the approval is refused.
    """
    if not is_clinician(actor):
        raise ClinicalApprovalRefused(_("Only a clinician can approve an order for the lab."))
    if order.assessment_id is not None:
        raise ClinicalApprovalRefused(
            _("This order has an assessment: a clinician's review approves it.")
        )
    fresh = _locked(order)
    changed = []
    if red_flags_checked and order_screen(fresh) is None and fresh.red_flags_confirmed_at is None:
        fresh.red_flags_confirmed_at = timezone.now()
        fresh.red_flags_confirmed_by = actor
        changed += ["red_flags_confirmed_at", "red_flags_confirmed_by"]
    if fresh.approved_for_lab_at is not None and not is_clinician(fresh.approved_for_lab_by):
        fresh.approved_for_lab_at = None
        fresh.approved_for_lab_by = None
        changed += ["approved_for_lab_at", "approved_for_lab_by"]
    if changed:
        fresh.save(update_fields=[*changed, "updated_at"])
    if "red_flags_confirmed_at" in changed:
        order_add_note(
            order=fresh,
            actor=actor,
            note=_("A clinician confirmed they asked the red-flag questions with the customer."),
        )
    return order_record_clinical_approval(
        order=_sync(order, fresh),
        actor=actor,
        note=note or _("Approved for the lab by a clinician."),
    )


def orders_record_assessment_approval(*, assessment, reviewer=None) -> list[Order]:
    """Called when a clinician approves an assessment: every linked live order records it.

    Runs after the review commits, so the assessment is read again: a later review (a referral)
    may have committed in between, and then nothing is approved."""
    assessment = type(assessment).objects.get(pk=assessment.pk)
    if not assessment_approved_for_lab(assessment=assessment):
        return []
    updated = []
    for order in Order.objects.filter(assessment=assessment).order_by("pk"):
        updated.append(
            order_record_clinical_approval(
                order=order,
                actor=reviewer,
                note=_("Assessment approved by a clinician."),
            )
        )
    return updated


@transaction.atomic
def orders_withdraw_clinical_approval(*, assessment, actor=None) -> list[Order]:
    """The assessment was closed (referred in person) after it had been approved: linked orders
    that have not reached the lab lose their approval and wait; staff see why on the timeline."""
    withdrawn = []
    for order in Order.objects.filter(
        assessment=assessment, approved_for_lab_at__isnull=False
    ).order_by("pk"):
        fresh = _locked(order)
        if fresh.status in {Status.SENT_TO_LAB, Status.IN_PRODUCTION, Status.SHIPPED}:
            order_set_lab_error(
                order=fresh,
                error=_(
                    "The assessment was referred in person after this order reached the lab: "
                    "ask the lab to stop and contact the customer."
                ),
            )
            continue
        fresh.approved_for_lab_at = None
        fresh.approved_for_lab_by = None
        fresh.save(update_fields=["approved_for_lab_at", "approved_for_lab_by", "updated_at"])
        note = _("Clinical approval withdrawn: the assessment was referred in person.")
        if fresh.status == Status.CLINICALLY_APPROVED:
            order_set_status(order=fresh, to_status=Status.SCANS_RECEIVED, actor=actor, note=note)
        else:
            order_add_note(order=fresh, note=note, actor=actor)
        withdrawn.append(fresh)
    return withdrawn


@transaction.atomic
def order_mark_sent_to_lab(
    *, order: Order, actor=None, lab_reference: str = "", note: str = ""
) -> Order:
    fields = {"lab_error": ""}
    if lab_reference:
        fields["lab_reference"] = lab_reference
    return order_set_status(
        order=order,
        to_status=Status.SENT_TO_LAB,
        actor=actor,
        note=note or _("Sent to the lab."),
        **fields,
    )


@transaction.atomic
def order_mark_in_production(*, order: Order, actor=None, note: str = "") -> Order:
    return order_set_status(
        order=order,
        to_status=Status.IN_PRODUCTION,
        actor=actor,
        note=note or _("The lab started making the orthotics."),
    )


@transaction.atomic
def order_mark_shipped(
    *, order: Order, carrier: str, tracking_number: str, actor=None, note: str = ""
) -> Order:
    if not carrier.strip() or not tracking_number.strip():
        raise ValueError(_("A shipment needs a carrier and a tracking number."))
    return order_set_status(
        order=order,
        to_status=Status.SHIPPED,
        actor=actor,
        note=note or _("Shipped with %(carrier)s.") % {"carrier": carrier.strip()},
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
    )


@transaction.atomic
def order_mark_delivered(*, order: Order, actor=None, note: str = "") -> Order:
    return order_set_status(
        order=order, to_status=Status.DELIVERED, actor=actor, note=note or _("Delivered.")
    )


@transaction.atomic
def order_set_lab_error(*, order: Order, error: str) -> Order:
    """The lab hand-off's latest failure ("" clears it); shown as a flag in admin."""
    fresh = _locked(order)
    fresh.lab_error = error
    fresh.save(update_fields=["lab_error", "updated_at"])
    return _sync(order, fresh)
