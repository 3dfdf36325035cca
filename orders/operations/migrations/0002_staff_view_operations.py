"""The Staff group sees the operations page (superusers see it anyway)."""

from django.db import migrations

from fitsperfect.grants import group_grant, group_revoke

CODENAMES = ["view_operations"]


def grant(apps, schema_editor):
    group_grant(apps, group="Staff", app_label="operations", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_revoke(apps, group="Staff", app_label="operations", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_operations_page"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
