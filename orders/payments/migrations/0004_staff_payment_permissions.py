"""The Staff group sees disputes and payment flags (clinicians still see no payments)."""

from django.db import migrations

from fitsperfect.grants import group_grant, group_revoke

CODENAMES = ["view_dispute", "view_paymentflag"]


def grant(apps, schema_editor):
    group_grant(apps, group="Staff", app_label="payments", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_revoke(apps, group="Staff", app_label="payments", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_refunds_disputes_flags"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
