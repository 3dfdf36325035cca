from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    """The clinic's orders: paid orders wait here for a clinician's approval and prescription."""

    name = "orders.clinic"
    label = "clinic_orders"
    verbose_name = _("Clinic orders")
    audited_models = ("clinic_orders.Prescription",)

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the assessments' clinic signals
