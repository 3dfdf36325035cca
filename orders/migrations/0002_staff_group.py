"""The "Staff" group runs orders in admin; clinicians get no payment permissions."""

from django.db import migrations

STAFF_PERMISSIONS = {
    "orders": [
        "view_product",
        "change_product",
        "add_product",
        "view_productoption",
        "change_productoption",
        "add_productoption",
        "delete_productoption",
        "view_order",
        "change_order",
        "view_orderline",
        "view_orderstatuschange",
        "view_payment",
        "view_stripeevent",
        "change_stripeevent",
        "view_orderemail",
        "refund_order",
        "approve_order_for_lab",
    ],
}


def create_staff_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Staff")
    for app_label, codenames in STAFF_PERMISSIONS.items():
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        group.permissions.add(*permissions)


def remove_staff_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Staff").first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="orders"))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_staff_group, remove_staff_permissions)]
