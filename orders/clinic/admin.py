"""Prescriptions in the admin: read-only for staff (clinicians write them in /clinic/), shown on
the order's page as an inline with every version, the current one first."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fitsperfect.admin_bases import ReadOnlyInline, RecordAdmin
from orders.admin import OrderAdmin

from .models import Prescription

SUMMARY_FIELDS = [
    "version",
    "device_type",
    "shell_material",
    "shell_rigidity",
    "posts",
    "heel_cup_depth_mm",
    "arch_height_adjustment_mm",
    "top_cover",
    "extension",
    "additions",
    "notes",
    "prescribed_by",
    "created_at",
]


def _posts(obj: Prescription) -> str:
    """Rearfoot and forefoot posts per foot in words (+ varus, − valgus)."""
    parts = []
    for key, label in (("rearfoot_post", _("rearfoot")), ("forefoot_post", _("forefoot"))):
        sides = obj.posts()[key]
        parts.append(
            f"{label}: "
            + ", ".join(
                f"{side} {value['degrees']}° {value['direction']}"
                if value["direction"] != "none"
                else f"{side} –"
                for side, value in sides.items()
            )
        )
    return "; ".join(parts)


def _additions(obj: Prescription) -> str:
    parts = []
    if obj.metatarsal_pad:
        parts.append(str(_("metatarsal pad")))
    if obj.heel_lift_mm:
        parts.append(str(_("heel lift %(mm)s mm") % {"mm": obj.heel_lift_mm}))
    return ", ".join(parts) or "–"


class _Summary:
    @admin.display(description=_("posts"))
    def posts(self, obj):
        return _posts(obj)

    @admin.display(description=_("additions"))
    def additions(self, obj):
        return _additions(obj)


class PrescriptionInline(_Summary, ReadOnlyInline):
    model = Prescription
    fields = SUMMARY_FIELDS
    readonly_fields = SUMMARY_FIELDS
    ordering = ["-version"]
    verbose_name_plural = _("prescriptions (the first is current: what the lab gets)")


# The order's page shows its prescriptions (the clinic depends on orders, never the reverse).
OrderAdmin.inlines = [*OrderAdmin.inlines, PrescriptionInline]


@admin.register(Prescription)
class PrescriptionAdmin(_Summary, RecordAdmin):
    list_display = ["order", "version", "device_type", "prescribed_by", "created_at"]
    list_select_related = ["order", "prescribed_by"]
    search_fields = ["order__number"]
    list_filter = ["device_type"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "posts", "additions"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
