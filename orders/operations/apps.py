from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """The business at a glance: a read-only page in the admin (staff only). It reads orders,
    payments, the lab, assessments and content; nothing imports it."""

    name = "orders.operations"
    label = "operations"
    verbose_name = _("Operations")
