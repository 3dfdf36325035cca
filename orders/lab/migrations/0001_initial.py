"""The lab hand-off's models move here from `orders`: state only, the tables (orders_labsubmission,
orders_labevent) and their rows stay exactly as they are."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("orders", "0007_only_clinicians_approve_for_lab")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="LabSubmission",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("revision", models.PositiveIntegerField(verbose_name="revision")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("sending", "Sending"),
                                    ("retrying", "Retrying"),
                                    ("submitted", "Submitted"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        (
                            "lab_reference",
                            models.CharField(blank=True, max_length=100, verbose_name="lab reference"),
                        ),
                        ("transport", models.CharField(blank=True, max_length=10)),
                        (
                            "acknowledged_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="acknowledged"),
                        ),
                        (
                            "next_attempt_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="next attempt"),
                        ),
                        ("payload", models.JSONField(default=dict)),
                        ("manifest", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                        (
                            "order",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="lab_submissions",
                                to="orders.order",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lab submission",
                        "verbose_name_plural": "lab submissions",
                        "db_table": "orders_labsubmission",
                        "ordering": ["-created_at"],
                        "permissions": [
                            ("resend_labsubmission", "Can resend a submission to the lab")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("order", "revision"), name="uniq_lab_revision"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="LabEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "event_id",
                            models.CharField(blank=True, max_length=255, null=True, unique=True),
                        ),
                        ("type", models.CharField(blank=True, max_length=30)),
                        ("raw_body", models.TextField()),
                        ("valid", models.BooleanField(default=False)),
                        ("processed", models.BooleanField(default=False)),
                        ("error", models.TextField(blank=True)),
                        ("outcome", models.CharField(blank=True, max_length=300)),
                        ("received_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "submission",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="events",
                                to="lab.labsubmission",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "lab event",
                        "verbose_name_plural": "lab events",
                        "db_table": "orders_labevent",
                        "ordering": ["-received_at"],
                    },
                ),
            ],
        )
    ]
