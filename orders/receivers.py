"""Reactions to other apps' signals; they only call services."""

from django.dispatch import receiver

from assessments.signals import assessment_approved

from . import services


@receiver(assessment_approved, dispatch_uid="orders.assessment_approved")
def on_assessment_approved(sender, assessment, reviewer=None, **kwargs) -> None:
    """A clinician approved the assessment: linked orders record it and move on if they can."""
    services.orders_record_assessment_approval(assessment=assessment, reviewer=reviewer)
