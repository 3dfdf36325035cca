"""The move of Payment and StripeEvent into the payments app keeps every table, row and permission."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("orders", "0007_only_clinicians_approve_for_lab"), ("payments", None)]
AFTER = [("orders", "0008_payments_moved_out"), ("payments", "0002_move_content_types")]


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_keeps_rows_tables_and_the_staff_groups_permissions():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _check_the_move(executor)
    finally:  # leave the database as the other tests expect it
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_move(executor):
    old = executor.loader.project_state(BEFORE[:1]).apps
    Order = old.get_model("orders", "Order")
    order = Order.objects.create(
        number="FP-MIGRATE1", access_token="t" * 40, email="a@example.com", full_name="A"
    )
    old.get_model("orders", "Payment").objects.create(
        order_id=order.pk, kind="charge", stripe_object_id="pi_kept", amount=100, currency="gbp"
    )
    old.get_model("orders", "StripeEvent").objects.create(
        event_id="evt_kept", type="charge.refunded", raw_body="{}", valid=True, order_id=order.pk
    )
    # The Staff group as orders.0002 made it (a transactional test may have flushed it since).
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    staff, _ = old.get_model("auth", "Group").objects.get_or_create(name="Staff")
    for model in ("payment", "stripeevent"):
        content_type, _ = ContentType.objects.get_or_create(app_label="orders", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=f"view_{model}", defaults={"name": model}
        )
        staff.permissions.add(permission)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    assert new.get_model("payments", "Payment").objects.get().stripe_object_id == "pi_kept"
    assert new.get_model("payments", "StripeEvent").objects.get().event_id == "evt_kept"
    tables = connection.introspection.table_names()
    assert "orders_payment" in tables and "orders_stripeevent" in tables
    staff = new.get_model("auth", "Group").objects.get(name="Staff")
    moved = staff.permissions.filter(codename__in=["view_payment", "view_stripeevent"])
    assert {p.content_type.app_label for p in moved} == {"payments"}
    assert moved.count() == 2
    ContentType = new.get_model("contenttypes", "ContentType")
    assert not ContentType.objects.filter(app_label="orders", model="payment").exists()
