"""Reactions to other apps' signals; they only call services."""

from django.dispatch import receiver

from assessments.signals import assessment_approved, assessment_closed

from . import fulfilment


@receiver(assessment_approved, dispatch_uid="orders.assessment_approved")
def on_assessment_approved(sender, assessment, reviewer=None, **kwargs) -> None:
    """A clinician approved the assessment: linked orders record it and move on if they can."""
    fulfilment.orders_record_assessment_approval(assessment=assessment, reviewer=reviewer)


@receiver(assessment_closed, dispatch_uid="orders.assessment_closed")
def on_assessment_closed(sender, assessment, reviewer=None, **kwargs) -> None:
    """An in-person referral closed the assessment: linked orders lose their approval."""
    fulfilment.orders_withdraw_clinical_approval(assessment=assessment, actor=reviewer)
