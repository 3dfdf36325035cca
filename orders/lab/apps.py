from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabConfig(AppConfig):
    """The lab hand-off: the outbox row per order revision, its transports and the lab's webhook."""

    name = "orders.lab"
    label = "lab"
    verbose_name = _("Lab hand-off")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the order's lab signal to the outbox
