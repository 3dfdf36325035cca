"""Scan and FootPhoto now belong to the `scans` app (orders/scans/): removed from this app's state
only; their tables and rows stay (the scans app's models keep the table names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_structure_lab"),
        ("scans", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="scan", name="accepted_by"),
                migrations.RemoveField(model_name="scan", name="order"),
                migrations.DeleteModel(name="FootPhoto"),
                migrations.DeleteModel(name="Scan"),
            ],
        )
    ]
