"""Prescriptions for tests: a clinician's typical functional prescription, saved directly (the
service's rules are tested in test_prescription.py)."""

from __future__ import annotations

from django.db.models import Max

TYPICAL = {
    "device_type": "functional",
    "shell_material": "polypropylene",
    "shell_rigidity": "semi_rigid",
    "rearfoot_post_left": 4,
    "rearfoot_post_right": 3,
    "forefoot_post_left": 0,
    "forefoot_post_right": -2,
    "heel_cup_depth_mm": 16,
    "arch_height_adjustment_mm": 0,
    "top_cover": "eva",
    "extension": "none",
    "metatarsal_pad": False,
    "heel_lift_mm": 0,
    "notes": "Mild overpronation, both feet.",
}


def add_prescription(order, *, actor=None, **overrides):
    """A new current prescription version for the order (no approval, no lab hand-off)."""
    from orders.clinic.models import Prescription

    top = Prescription.objects.filter(order=order).aggregate(top=Max("version"))["top"] or 0
    prescription = Prescription(order=order, version=top + 1, prescribed_by=actor)
    for name, value in {**TYPICAL, **overrides}.items():
        setattr(prescription, name, value)
    prescription.full_clean(exclude=["order", "version"])
    prescription.save()
    return prescription
