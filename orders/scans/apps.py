from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScansConfig(AppConfig):
    """Foot scans and photos: uploads, validation, meshes, previews."""

    name = "orders.scans"
    label = "scans"
    verbose_name = _("Foot scans")
    audited_url_names = {
        "orders:scan_preview": "scans.scan",
        "orders:staff_scan_preview": "scans.scan",
        "admin:scans_scan_*": "scans.scan",
    }
    audited_models = ("scans.Scan",)
    # An order's rows this app holds, in a customer's data export (fitsperfect.accounts.privacy).
    exported_order_relations = {"scans": {"report"}, "foot_photos": set()}

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - the clinician's scan panel
