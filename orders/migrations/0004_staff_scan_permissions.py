"""The Staff group sees scans, photos, lab submissions and lab events, accepts reviewed scans and
resends failed submissions."""

from django.db import migrations

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
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="orders", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Staff").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="orders", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_scans_and_lab_handoff"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
