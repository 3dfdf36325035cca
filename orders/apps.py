from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")
    # Names, addresses and a bearer link: views and changes are recorded (fitsperfect.audit_trail).
    audited_url_names = {
        "orders:order_detail": "orders.order",
        "orders:scans": "orders.order",
        "admin:orders_order_*": "orders.order",
    }
    audited_models = ("orders.Order",)

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the signal receivers
