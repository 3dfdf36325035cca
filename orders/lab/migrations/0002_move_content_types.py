"""The moved models' content types follow them, so the Staff group keeps its lab permissions."""

from django.db import migrations

from fitsperfect.model_moves import move_content_types


def forwards(apps, schema_editor):
    move_content_types(
        apps, old_label="orders", new_label="lab", models=["labsubmission", "labevent"]
    )


def backwards(apps, schema_editor):
    move_content_types(
        apps, old_label="lab", new_label="orders", models=["labsubmission", "labevent"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lab", "0001_initial"),
        ("orders", "0008_structure_lab"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
