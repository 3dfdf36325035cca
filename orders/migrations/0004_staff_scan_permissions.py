"""The Staff group sees scans, photos, lab submissions and lab events, accepts reviewed scans and
resends failed submissions."""

from django.db import migrations

from fitsperfect.grants import group_grant, group_revoke

CODENAMES = [
    "view_scan",
    "change_scan",
    "accept_scan",
    "view_footphoto",
    "view_labsubmission",
    "change_labsubmission",
    "resend_labsubmission",
    "view_labevent",
]


def grant(apps, schema_editor):
    group_grant(apps, group="Staff", app_label="orders", codenames=CODENAMES)


def revoke(apps, schema_editor):
    group_revoke(apps, group="Staff", app_label="orders", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_scans_and_lab_handoff"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
