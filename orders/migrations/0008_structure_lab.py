"""LabSubmission and LabEvent now belong to the `lab` app (orders/lab/): removed from this app's
state only; their tables and rows stay (the lab app's models keep the table names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_only_clinicians_approve_for_lab"),
        ("lab", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="labsubmission", name="order"),
                migrations.DeleteModel(name="LabEvent"),
                migrations.DeleteModel(name="LabSubmission"),
            ],
        )
    ]
