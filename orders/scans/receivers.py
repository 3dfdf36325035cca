"""The scans app's answer to the assessments' documented signal `clinic_panels`."""

from django.dispatch import receiver

from assessments.signals import clinic_panels

from .selectors import clinic_scan_panel


@receiver(clinic_panels, dispatch_uid="orders.clinic_scan_panel")
def scan_panel_for_clinicians(sender, assessment, **kwargs) -> dict | None:
    """The foot scans, their measurements and sole previews beside the assessment (no payments)."""
    return clinic_scan_panel(assessment)
