"""`{% clinic_scans order=order %}` or `{% clinic_scans assessment=assessment %}`: both feet's scans
side by side (kind, measurements, scale, preview, 3D view) on the clinician's pages."""

from django import template
from django.templatetags.static import static

from orders.models import Order

from ..selectors import clinic_scans as clinic_rows

register = template.Library()


@register.inclusion_tag("scans/_clinic_scans_orders.html")
def clinic_scans(order=None, assessment=None) -> dict:
    if order is not None:
        orders = [order]
    elif assessment is not None:
        orders = list(Order.objects.filter(assessment=assessment, scans__isnull=False).distinct())
    else:
        orders = []
    return {
        "blocks": [{"order": o, "rows": clinic_rows(o)} for o in orders],
        "three_src": static("vendor/three/three.module.js"),
        "many": len(orders) > 1,
    }
