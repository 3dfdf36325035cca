from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    """The clinic's orders: paid orders without an assessment wait here for a clinician."""

    name = "orders.clinic"
    label = "clinic_orders"
    verbose_name = _("Clinic orders")
