"""The content types of Payment and StripeEvent follow the models from `orders` to `payments`.

Renaming the content type row keeps every permission row (and so every group's and user's grant,
e.g. the Staff group's `view_payment`). When both rows exist (a database where `payments` content
types were already created), grants move to the new permissions by codename and the old row goes.
"""

from django.db import migrations

MODELS = ("payment", "stripeevent")


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        for permission in Permission.objects.filter(content_type=old):
            replacement, _ = Permission.objects.get_or_create(
                content_type=new,
                codename=permission.codename,
                defaults={"name": permission.name},
            )
            for group in Group.objects.filter(permissions=permission):
                group.permissions.add(replacement)
            for user in User.objects.filter(user_permissions=permission):
                user.user_permissions.add(replacement)
        old.delete()


def forwards(apps, schema_editor):
    _move(apps, "orders", "payments")


def backwards(apps, schema_editor):
    _move(apps, "payments", "orders")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("orders", "0008_payments_moved_out"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
