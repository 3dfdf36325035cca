from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanMeshesConfig(AppConfig):
    """Scan analysis: pure functions from a mesh file to a report (kind, scale, measurements,
    previews). No models; an app of its own so the scans app (uploads, validation, storage) and
    the analysis each stay a reviewable size. `orders.scans` depends on it, never the reverse."""

    name = "orders.scans.meshes"
    label = "scan_meshes"
    verbose_name = _("Scan analysis")
