from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """Products and their options, the catalogue and product pages."""

    name = "orders.catalogue"
    label = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - a catalogue change renews the product pages
