"""Demo data: the catalogue (orders.catalogue.demo) and one paid order for staff (idempotent)."""

from django.conf import settings

from .catalogue.demo import seed_products
from .catalogue.models import Product


def seed(stdout) -> None:
    seed_products(stdout)
    _demo_order(stdout)


def _demo_order(stdout) -> None:
    """One paid order waiting for scans, so staff have something to run in admin. Bought without an
    assessment, so it passed checkout's health questions and waits for a clinician."""
    from . import services
    from .checkout.health_screen import screen_from_answers

    product = Product.objects.get(slug="everyday")
    order = services.order_create(
        lines=[
            services.LineChoice(
                product=product, size_system="uk", size="7", top_cover_code="leather"
            )
        ],
        email="demo.customer@example.com",
        full_name="Demo Customer",
        address_line1="1 Demo Street",
        city="London",
        postcode="SW1A 1AA",
        country="GB",
        health_screen=screen_from_answers(flags=["none"], adult=True),
        checkout_key="demo-order-0000000000000000000001",
    )
    if not order.is_paid:
        services.order_mark_paid(
            order=order,
            event=None,
            amount=order.total,
            currency=order.currency,
            payment_intent_id="pi_demo_" + order.number,
        )
    stdout.write(f"Demo order {order.number}: {settings.SITE_URL}{order.get_absolute_url()}")
