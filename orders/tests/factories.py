"""Factories for orders tests: the seeded catalogue and orders created through the services."""

import factory
from django.conf import settings

from orders import services
from orders.models import Product, ProductOption


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
):
    """An order awaiting payment, created exactly as checkout creates it."""
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
        checkout_key=checkout_key,
    )
