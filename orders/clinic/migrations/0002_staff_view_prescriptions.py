"""The Staff group reads prescriptions (the order's admin page shows them); only clinicians write
them, in /clinic/."""

from django.db import migrations

from fitsperfect.grants import group_grant, group_revoke

CODENAMES = ["view_prescription"]


def grant(apps, schema_editor):
    group_grant(apps, group="Staff", app_label="clinic_orders", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_revoke(apps, group="Staff", app_label="clinic_orders", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic_orders", "0001_prescription"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
