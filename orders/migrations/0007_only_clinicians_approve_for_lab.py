"""General staff no longer approve orders for the lab: only a clinician does (in the clinic)."""

from django.db import migrations


def drop_staff_approval_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="orders", codename="approve_order_for_lab"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_order_health_data_consent_version"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="order",
            options={
                "ordering": ["-created_at"],
                "permissions": [("refund_order", "Can refund orders through Stripe")],
                "verbose_name": "order",
                "verbose_name_plural": "orders",
            },
        ),
        migrations.RunPython(drop_staff_approval_permission, migrations.RunPython.noop),
    ]
