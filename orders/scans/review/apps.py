from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanReviewConfig(AppConfig):
    """Review of foot scans by staff and clinicians: the scan admin and its actions (accept, set
    the scale, swap feet, reject and ask again), the 3D view, and the how-to-scan page. The scans
    themselves (models, uploads, validation) are `orders.scans`; this app only depends on it."""

    name = "orders.scans.review"
    label = "scan_review"
    verbose_name = _("Scan review")
    audited_url_names = {"orders:staff_scan_viewer_mesh": "scans.scan"}
