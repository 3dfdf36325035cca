from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderDeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders.orderdesk"
    label = "orderdesk"
    verbose_name = _("Order desk")
