"""Writes of the clinic: a prescription version, and a clinician's approval of a paid order that
carries one (orders without an assessment through `fulfilment.order_approve_for_lab`, orders
backed by an assessment through the assessment's review, `assessments.services.review_create`).

The prescription is saved first, in the same transaction as the approval, so when the approval
makes the order ready for the lab the outbox row (written in that transaction) carries it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments import services as assessment_services
from assessments.models import Assessment
from assessments.selectors import assessment_approved_for_lab
from orders import fulfilment, services
from orders.models import Order

from .models import Prescription
from .selectors import PRESCRIBABLE_STATUSES
from .signals import prescription_recorded

PRESCRIPTION_FIELDS = (
    "device_type",
    "shell_material",
    "shell_rigidity",
    "rearfoot_post_left",
    "rearfoot_post_right",
    "forefoot_post_left",
    "forefoot_post_right",
    "heel_cup_depth_mm",
    "arch_height_adjustment_mm",
    "top_cover",
    "extension",
    "metatarsal_pad",
    "heel_lift_mm",
    "notes",
)


class PrescriptionRefused(ValueError):
    """The prescription may not be recorded: not a clinician, or the order is past changing."""


def lab_has_it(order: Order) -> bool:
    """A live lab submission exists: the prescription it carries may no longer change."""
    from orders.lab.models import LabSubmission
    from orders.lab.states import LIVE

    return LabSubmission.objects.filter(order=order, status__in=LIVE).exists()


def clinician_name(user) -> str:
    """How the timeline names the clinician: "Dr <full name>", else their username."""
    full = (user.get_full_name() or "").strip() if user is not None else ""
    return _("Dr %(name)s") % {"name": full} if full else getattr(user, "username", "")


@transaction.atomic
def prescription_record(
    *, order: Order, actor, values: dict, suggested: dict | None = None
) -> Prescription:
    """Saves a new version (validated by the model's ranges and clinical rules) and tells the
    lab hand-off, which sends an approved order that was waiting for it."""
    if not assessment_services.is_clinician(actor):
        raise PrescriptionRefused(_("Only a clinician can prescribe."))
    fresh = Order.objects.select_for_update().get(pk=order.pk)
    if fresh.status not in PRESCRIBABLE_STATUSES or lab_has_it(fresh):
        raise PrescriptionRefused(
            _(
                "This order is already with the lab (or on its way): ask staff to stop the lab "
                "order before the prescription changes."
            )
        )
    unknown = set(values) - set(PRESCRIPTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown prescription fields: {sorted(unknown)}")
    top = Prescription.objects.filter(order=fresh).aggregate(top=Max("version"))["top"] or 0
    prescription = Prescription(
        order=fresh, version=top + 1, prescribed_by=actor, suggested=dict(suggested or {}), **values
    )
    prescription.full_clean(exclude=["order", "version"])
    prescription.save()
    services.order_add_note(
        order=fresh,
        actor=actor,
        note=_("Orthotic prescription v%(version)s recorded by %(who)s.")
        % {"version": prescription.version, "who": clinician_name(actor)},
    )
    prescription_recorded.send(sender=Prescription, order=fresh, prescription=prescription)
    return prescription


@transaction.atomic
def order_approve_with_prescription(
    *,
    order: Order,
    actor,
    values: dict,
    suggested: dict | None = None,
    note: str = "",
    red_flags_checked: bool = False,
) -> Prescription:
    """A clinician approves a paid order for the lab with a prescription, all or nothing.

    Without an assessment: `fulfilment.order_approve_for_lab`. With one: the clinician approves
    the assessment (a review, unless one already approved it), which approves its orders after
    commit; an order whose assessment was approved before records the approval now.
    Raises `PrescriptionRefused`, `services.ClinicalApprovalRefused`,
    `assessments.services.AssessmentClosedForOrders` or a `ValidationError`; nothing is saved then.
    """
    if not assessment_services.is_clinician(actor):
        raise services.ClinicalApprovalRefused(
            _("Only a clinician can approve an order for the lab.")
        )
    prescription = prescription_record(order=order, actor=actor, values=values, suggested=suggested)
    approval_note = note or _("Approved with orthotic prescription v%(version)s by %(who)s.") % {
        "version": prescription.version,
        "who": clinician_name(actor),
    }
    if order.assessment_id is None:
        fulfilment.order_approve_for_lab(
            order=order, actor=actor, note=approval_note, red_flags_checked=red_flags_checked
        )
        return prescription
    assessment = Assessment.objects.get(pk=order.assessment_id)
    if not assessment_approved_for_lab(assessment=assessment):
        assessment_services.review_create(
            assessment=assessment,
            reviewer=actor,
            decision=Assessment.Decision.APPROVED,
            notes=note,
        )
    elif Order.objects.get(pk=order.pk).approved_for_lab_at is None:
        fulfilment.order_record_clinical_approval(order=order, actor=actor, note=approval_note)
    return prescription
