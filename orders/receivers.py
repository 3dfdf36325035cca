"""Reactions to other apps' signals; they only call services."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assessments.signals import assessment_approved, assessment_closed

from . import fulfilment, services
from .models import Product, ProductOption


@receiver(post_save, sender=Product, dispatch_uid="orders.catalogue_changed.product_saved")
@receiver(post_delete, sender=Product, dispatch_uid="orders.catalogue_changed.product_deleted")
@receiver(post_save, sender=ProductOption, dispatch_uid="orders.catalogue_changed.option_saved")
@receiver(post_delete, sender=ProductOption, dispatch_uid="orders.catalogue_changed.option_deleted")
def on_catalogue_changed(sender, **kwargs) -> None:
    """After the change commits (before, another process could store the old data as new)."""
    transaction.on_commit(services.catalogue_changed)


@receiver(assessment_approved, dispatch_uid="orders.assessment_approved")
def on_assessment_approved(sender, assessment, reviewer=None, **kwargs) -> None:
    """A clinician approved the assessment: linked orders record it and move on if they can."""
    fulfilment.orders_record_assessment_approval(assessment=assessment, reviewer=reviewer)


@receiver(assessment_closed, dispatch_uid="orders.assessment_closed")
def on_assessment_closed(sender, assessment, reviewer=None, **kwargs) -> None:
    """An in-person referral closed the assessment: linked orders lose their approval."""
    fulfilment.orders_withdraw_clinical_approval(assessment=assessment, actor=reviewer)
