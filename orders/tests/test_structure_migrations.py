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
NEW_APPS = ("catalogue", "lab", "scans")
# What the Staff group held on the models before they moved (orders migrations 0002 and 0004).
OLD_STAFF_PERMISSIONS = [
    ("labsubmission", "resend_labsubmission"),
    ("labevent", "view_labevent"),
    ("scan", "accept_scan"),
    ("footphoto", "view_footphoto"),
    ("product", "change_product"),
    ("productoption", "add_productoption"),
]


def _migrate(targets):
    """Migrates to ``targets``; returns the historical models of what is applied now."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_moving_models_keeps_tables_rows_and_staff_permissions():
    old = _migrate([BEFORE, *((app, None) for app in NEW_APPS)])
    content_type = old.get_model("contenttypes", "ContentType")
    permission = old.get_model("auth", "Permission")
    staff, _ = old.get_model("auth", "Group").objects.get_or_create(name="Staff")
    for model, codename in OLD_STAFF_PERMISSIONS:
        kind, _ = content_type.objects.get_or_create(app_label="orders", model=model)
        perm, _ = permission.objects.get_or_create(
            content_type=kind, codename=codename, defaults={"name": codename}
        )
        staff.permissions.add(perm)
    tables_before = set(connection.introspection.table_names())
    product = old.get_model("orders", "Product").objects.create(
        slug="migrated",
        name="Migrated",
        summary="s",
        description="d",
        base_price=100,
        currency="gbp",
    )
    old.get_model("orders", "ProductOption").objects.create(
        product=product, kind="top_cover", code="leather", name="Leather", price_delta=5
    )
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
    old.get_model("orders", "OrderLine").objects.create(
        order=order,
        line_number=1,
        product=product,
        description="Migrated",
        size_system="eu",
        size="42",
        unit_price=100,
        line_total=100,
    )
    submission_id = uuid.uuid4()
    submission = old.get_model("orders", "LabSubmission").objects.create(
        id=submission_id, order_id=order.pk, revision=1, status="failed", payload={"a": 1}
    )
    old.get_model("orders", "LabEvent").objects.create(
        event_id="evt_1", type="shipped", raw_body="{}", submission_id=submission.pk
    )
    scan = old.get_model("orders", "Scan").objects.create(
        order_id=order.pk, side="left", revision=1, file="scans/a.stl", status="valid"
    )
    old.get_model("orders", "FootPhoto").objects.create(
        order_id=order.pk, role="left_photo", file="foot-photos/a.jpg", file_format="jpeg"
    )
    old.get_model("fitsperfect", "AccessRecord").objects.create(
        action="view", object_type="orders.scan", object_id=str(scan.pk)
    )

    _migrate(_latest())

    from django.contrib.auth.models import Group

    from fitsperfect.models import AccessRecord
    from orders.catalogue.models import Product
    from orders.lab.models import LabEvent, LabSubmission
    from orders.scans.models import FootPhoto, Scan

    assert set(connection.introspection.table_names()) >= tables_before  # nothing renamed
    moved = LabSubmission.objects.get(pk=submission_id)
    assert (moved.order.number, moved.status, moved.payload) == ("FP-MIGRATE1", "failed", {"a": 1})
    assert LabEvent.objects.get(event_id="evt_1").submission == moved
    moved_product = Product.objects.get(slug="migrated")
    assert moved_product.options.get(kind="top_cover").code == "leather"
    assert moved.order.lines.get().product == moved_product
    moved_scan = Scan.objects.get(pk=scan.pk)
    assert (moved_scan.order_id, moved_scan.side, moved_scan.file.name) == (
        order.pk,
        "left",
        "scans/a.stl",
    )
    assert FootPhoto.objects.get(order_id=order.pk).role == "left_photo"
    assert AccessRecord.objects.get(object_id=str(scan.pk)).object_type == "scans.scan"
    staff = set(
        Group.objects.get(name="Staff").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    assert {
        ("lab", "resend_labsubmission"),
        ("lab", "view_labevent"),
        ("scans", "accept_scan"),
        ("scans", "view_footphoto"),
        ("catalogue", "change_product"),
        ("catalogue", "add_productoption"),
    } <= staff
    assert not {("orders", "resend_labsubmission"), ("orders", "accept_scan")} & staff
