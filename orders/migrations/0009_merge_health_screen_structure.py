"""Joins the checkout's health screen (0008_order_health_screen) and the move of the catalogue,
scans and lab models into their own apps (0008_structure_*); no operations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_order_health_screen"),
        ("orders", "0008_structure_catalogue"),
    ]

    operations = []
