"""Factories for orders tests: the seeded catalogue and orders created through the services."""

import factory
from django.conf import settings

from orders import fulfilment, services
from orders.catalogue.models import Product, ProductOption


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    summary = "A custom orthotic."
    description = "Made for your feet."
    included = "A pair of orthotics\nTracked delivery"
    base_price = 14900
    currency = factory.LazyFunction(lambda: settings.DEFAULT_CURRENCY.lower())


class ProductOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOption

    product = factory.SubFactory(ProductFactory)
    kind = ProductOption.Kind.TOP_COVER
    code = factory.Sequence(lambda n: f"cover-{n}")
    name = factory.Sequence(lambda n: f"Cover {n}")
    price_delta = 0


def seed_catalogue() -> None:
    from orders import demo

    demo.seed_products(open("/dev/null", "w"))  # noqa: SIM115


def create_order(
    *,
    slug: str = "everyday",
    email: str = "ann@example.com",
    top_cover: str = "leather",
    extra_pair: bool = False,
    assessment=None,
    user=None,
    checkout_key: str | None = None,
    screened: bool = True,
    health_screen=None,
):
    """An order awaiting payment, created exactly as checkout creates it: without an assessment,
    with the checkout health questions passed (`screened=False`: an order from before them)."""
    if not Product.objects.filter(slug=slug).exists():
        seed_catalogue()
    product = Product.objects.get(slug=slug)
    return services.order_create(
        lines=[
            services.LineChoice(
                product=product,
                size_system="eu",
                size="42",
                top_cover_code=top_cover,
                extra_pair=extra_pair,
            )
        ],
        email=email,
        full_name="Ann Example",
        address_line1="1 High Street",
        city="London",
        postcode="SW1A 1AA",
        country="GB",
        user=user,
        assessment=assessment,
        health_screen=health_screen
        or (passed_screen() if assessment is None and screened else None),
        checkout_key=checkout_key,
    )


def passed_screen():
    """Checkout's health questions answered "None of these" by a buyer of 18 or over."""
    from orders.checkout.health_screen import screen_from_answers

    return screen_from_answers(flags=["none"], adult=True)


HEALTH_CHECK_PASSED = {"flags": "none", "adult": "yes"}


def answer_health_check(client, **answers):
    """Posts checkout's health questions (passed unless `answers` say otherwise)."""
    return client.post("/checkout/health-check/", {**HEALTH_CHECK_PASSED, **answers})


# --- Scans and the lab (issue 7) ---------------------------------------------------------------------


def pay(order):
    """Pays the order the way the verified Stripe webhook does (→ awaiting scans)."""
    services.order_mark_paid(order=order, event=None, amount=order.total, currency=order.currency)
    order.refresh_from_db()
    return order


def paid_order(**kwargs):
    return pay(create_order(**kwargs))


MEASUREMENTS = {
    "length_mm": 262.0,
    "ball_width_mm": 101.5,
    "heel_width_mm": 64.0,
    "arch_height_mm": 14.5,
}


def add_valid_scan(order, side: str, *, content: bytes | None = None, size: int = 4096):
    """A scan already validated (for hand-off tests that need no real mesh): random bytes on disk."""
    import hashlib
    import os

    from django.core.files.base import ContentFile

    from orders.scans.models import Scan

    data = content if content is not None else os.urandom(size)
    scan = Scan(
        order=order,
        side=side,
        revision=(Scan.objects.filter(order=order, side=side).count() + 1),
        original_name=f"{side}.stl",
        file_format="stl",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=Scan.Status.VALID,
        unit="mm",
        unit_confidence=0.97,
        scale_to_mm=1.0,
        measurements=dict(MEASUREMENTS),
        side_guess=side,
        triangle_count=14160,
        bbox_mm=[262.0, 101.5, 65.0],
    )
    scan.file.save("scan", ContentFile(data), save=False)
    Scan.objects.filter(order=order, side=side, is_current=True).update(is_current=False)
    scan.is_current = True
    scan.save()
    return scan


def clinician_user(username: str = "dr-lab"):
    """A member of the Clinicians group: the only people who approve an order for the lab."""
    from assessments.tests.factories import clinician

    return clinician(username)


def make_ready_for_lab(order, *, size: int = 4096):
    """One transaction: both scans in, a prescription and a clinician's approval →
    CLINICALLY_APPROVED, which writes the outbox row (its send is enqueued when this transaction commits)."""
    from django.db import transaction

    from orders.clinic.tests.factories import add_prescription

    with transaction.atomic():
        add_valid_scan(order, "left", size=size)
        add_valid_scan(order, "right", size=size)
        add_prescription(order)  # no order goes to the lab without a current prescription
        fulfilment.order_approve_for_lab(
            order=order, actor=clinician_user(), note="Approved in a test."
        )
        fulfilment.order_mark_scans_received(order=order)
    order.refresh_from_db()
    return order


def staff_user(username: str = "staffer"):
    """A staff member in the Staff group, repairing the group's permissions (tests may flush it)."""
    import importlib

    from django.contrib.auth.models import Group, Permission, User

    codenames = [
        *importlib.import_module("orders.migrations.0002_staff_group").STAFF_PERMISSIONS["orders"],
        *importlib.import_module("orders.migrations.0004_staff_scan_permissions").CODENAMES,
        *importlib.import_module(
            "orders.migrations.0012_back_office_notes_carriers_dispatch_due"
        ).STAFF_CODENAMES,
        *importlib.import_module(
            "orders.payments.migrations.0004_staff_payment_permissions"
        ).CODENAMES,
        *importlib.import_module(
            "orders.payments.migrations.0005_product_vat_rates"
        ).STAFF_CODENAMES,
        *importlib.import_module(
            "orders.clinic.migrations.0002_staff_view_prescriptions"
        ).CODENAMES,
    ]
    # The order's domains moved into apps of their own; their permissions went with them.
    domains = ("orders", "catalogue", "scans", "lab", "payments", "clinic_orders")
    group, _created = Group.objects.get_or_create(name="Staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=domains, codename__in=codenames)
    )
    user = User.objects.create_user(username, password="pw-staff-123456", is_staff=True)
    user.groups.add(group)
    return user


def seed_carriers() -> None:
    """The carriers the migration seeds (a transactional test's flush removes them)."""
    import importlib

    from orders.models import Carrier

    migration = importlib.import_module(
        "orders.migrations.0012_back_office_notes_carriers_dispatch_due"
    )
    for name, template in migration.CARRIERS:
        Carrier.objects.get_or_create(name=name, defaults={"tracking_url_template": template})
