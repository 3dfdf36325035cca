"""Payment and StripeEvent move here from the orders app: state only, their tables stay as they are.

The tables `orders_payment` and `orders_stripeevent` were created by `orders.0001_initial`; this
migration only teaches Django's state that the payments app owns them (`db_table` keeps the names).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orders", "0001_initial"),
        ("orders", "0007_only_clinicians_approve_for_lab"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Payment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("charge", "Payment"), ("refund", "Refund")],
                                max_length=10,
                            ),
                        ),
                        ("stripe_object_id", models.CharField(max_length=255, unique=True)),
                        ("amount", models.PositiveIntegerField()),
                        ("currency", models.CharField(max_length=3)),
                        ("stripe_event_id", models.CharField(blank=True, max_length=255)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "order",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="payments",
                                to="orders.order",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "payment",
                        "verbose_name_plural": "payments",
                        "ordering": ["created_at", "id"],
                        "db_table": "orders_payment",
                    },
                ),
                migrations.CreateModel(
                    name="StripeEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "event_id",
                            models.CharField(blank=True, max_length=255, null=True, unique=True),
                        ),
                        ("type", models.CharField(blank=True, db_index=True, max_length=100)),
                        ("raw_body", models.TextField()),
                        ("headers", models.JSONField(default=dict)),
                        ("valid", models.BooleanField(default=False)),
                        ("processed", models.BooleanField(db_index=True, default=False)),
                        ("error", models.TextField(blank=True)),
                        ("outcome", models.CharField(blank=True, max_length=300)),
                        ("deliveries", models.PositiveIntegerField(default=1)),
                        ("received_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "order",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="stripe_events",
                                to="orders.order",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Stripe event",
                        "verbose_name_plural": "Stripe events",
                        "ordering": ["-received_at"],
                        "db_table": "orders_stripeevent",
                    },
                ),
            ],
        ),
    ]
