"""A product or option change makes the pages that show products again (after it commits)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Product, ProductOption
from .services import catalogue_changed


@receiver(post_save, sender=Product, dispatch_uid="orders.catalogue_changed.product_saved")
@receiver(post_delete, sender=Product, dispatch_uid="orders.catalogue_changed.product_deleted")
@receiver(post_save, sender=ProductOption, dispatch_uid="orders.catalogue_changed.option_saved")
@receiver(post_delete, sender=ProductOption, dispatch_uid="orders.catalogue_changed.option_deleted")
def on_catalogue_changed(sender, **kwargs) -> None:
    """After the change commits (before, another process could store the old data as new)."""
    transaction.on_commit(catalogue_changed)
