"""Moving models out of `orders` into the domain apps keeps every table and row (issue 18).

A database is built with the migrations as they were before the move, rows are written through the
historical models, then the database is migrated to today's state and the rows are read back
through today's models; the Staff group keeps its permissions on the moved models.
"""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("orders", "0007_only_clinicians_approve_for_lab")
# The apps that took models from `orders`, unapplied to get the database as it was.
NEW_APPS = ("lab",)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_moving_models_keeps_tables_rows_and_staff_permissions():
    old = _migrate([BEFORE, *((app, None) for app in NEW_APPS)])
    tables_before = set(connection.introspection.table_names())
    order = old.get_model("orders", "Order").objects.create(
        number="FP-MIGRATE1",
        access_token="t" * 40,
        email="m@example.com",
        full_name="M",
        address_line1="1 Road",
        city="Town",
        postcode="AB1 2CD",
        country="GB",
    )
    submission_id = uuid.uuid4()
    submission = old.get_model("orders", "LabSubmission").objects.create(
        id=submission_id, order_id=order.pk, revision=1, status="failed", payload={"a": 1}
    )
    old.get_model("orders", "LabEvent").objects.create(
        event_id="evt_1", type="shipped", raw_body="{}", submission_id=submission.pk
    )

    _migrate(_latest())

    from django.contrib.auth.models import Group

    from orders.lab.models import LabEvent, LabSubmission

    assert set(connection.introspection.table_names()) >= tables_before  # nothing renamed
    moved = LabSubmission.objects.get(pk=submission_id)
    assert (moved.order.number, moved.status, moved.payload) == ("FP-MIGRATE1", "failed", {"a": 1})
    assert LabEvent.objects.get(event_id="evt_1").submission == moved
    staff = set(
        Group.objects.get(name="Staff").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert {("lab", "resend_labsubmission"), ("lab", "view_labevent")} <= staff
    assert ("orders", "resend_labsubmission") not in staff
