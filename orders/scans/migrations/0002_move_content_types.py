"""The moved models' content types follow them, so the Staff group keeps its scan permissions, and
audit records of scans are found under the new label."""

from django.db import migrations

from fitsperfect.model_moves import move_audit_records, move_content_types

MODELS = ["scan", "footphoto"]


def forwards(apps, schema_editor):
    move_content_types(apps, old_label="orders", new_label="scans", models=MODELS)
    move_audit_records(apps, renames={"orders.scan": "scans.scan"})


def backwards(apps, schema_editor):
    move_content_types(apps, old_label="scans", new_label="orders", models=MODELS)
    move_audit_records(apps, renames={"scans.scan": "orders.scan"})


class Migration(migrations.Migration):
    dependencies = [
        ("scans", "0001_initial"),
        ("orders", "0008_structure_scans"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("fitsperfect", "0002_erasure_request"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
