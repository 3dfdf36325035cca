"""The Staff group sees the operations page (superusers see it anyway)."""

from django.db import migrations

CODENAMES = ["view_operations"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("operations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="operations", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Staff").first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="operations", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_operations_page"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
