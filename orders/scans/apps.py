from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScansConfig(AppConfig):
    """Foot scans and photos: uploads, validation, meshes, previews."""

    name = "orders.scans"
    label = "scans"
    verbose_name = _("Foot scans")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - the clinician's scan panel
