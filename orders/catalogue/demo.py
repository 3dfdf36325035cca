"""The catalogue: Everyday, Sport and Dress orthotics with their options (idempotent)."""

from django.conf import settings

from .models import Product, ProductOption

PRODUCTS = [
    {
        "slug": "everyday",
        "name": "Everyday",
        "summary": "A full-length custom orthotic for walking shoes, trainers and work shoes.",
        "description": (
            "Made from a 3D scan of your feet and shaped to your arches, Everyday supports you "
            "from the first step in the morning to the last one at night."
        ),
        "included": "A pair of custom full-length orthotics\nA clinician's review of your scans\n"
        "Free adjustment within 60 days\nTracked delivery",
        "turnaround_days": 10,
        "base_price": 14900,
        "position": 1,
        "image": "orders/img/everyday.svg",
        "image_alt": "A full-length insole with a moulded arch.",
    },
    {
        "slug": "sport",
        "name": "Sport",
        "summary": "A firmer, shock-absorbing orthotic for running, court and field sports.",
        "description": (
            "Sport adds a deeper heel cup and a shock-absorbing layer under the forefoot, for "
            "feet that work hard several times a week."
        ),
        "included": "A pair of custom sport orthotics\nA clinician's review of your scans\n"
        "Free adjustment within 60 days\nTracked delivery",
        "turnaround_days": 12,
        "base_price": 17900,
        "position": 2,
        "image": "orders/img/sport.svg",
        "image_alt": "A sports insole with a deep heel cup.",
    },
    {
        "slug": "dress",
        "name": "Dress (slim)",
        "summary": "A slim three-quarter-length orthotic for formal shoes and flats.",
        "description": (
            "Dress is thin enough for shoes without a removable insole, with the same custom arch "
            "support as Everyday."
        ),
        "included": "A pair of custom slim orthotics\nA clinician's review of your scans\n"
        "Free adjustment within 60 days\nTracked delivery",
        "turnaround_days": 10,
        "base_price": 15900,
        "position": 3,
        "image": "orders/img/dress.svg",
        "image_alt": "A slim three-quarter-length insole.",
    },
]

TOP_COVERS = [
    ("ev-foam", "EVA foam", 0, True),
    ("leather", "Leather", 1500, False),
    ("microfibre", "Antibacterial microfibre", 900, False),
]
IMPRESSION_BOX_PRICE = 1200  # the box, both ways' postage and our scan of the impressions
EXTRA_PAIR_PRICE = {"everyday": 7900, "sport": 8900, "dress": 8400}


def seed_products(stdout) -> None:
    currency = settings.DEFAULT_CURRENCY.lower()
    for data in PRODUCTS:
        fields = {k: v for k, v in data.items() if k != "slug"}
        product, _created = Product.objects.update_or_create(
            slug=data["slug"], defaults={**fields, "currency": currency}
        )
        for position, (code, name, delta, default) in enumerate(TOP_COVERS):
            ProductOption.objects.update_or_create(
                product=product,
                kind=ProductOption.Kind.TOP_COVER,
                code=code,
                defaults={
                    "name": name,
                    "price_delta": delta,
                    "is_default": default,
                    "position": position,
                },
            )
        ProductOption.objects.update_or_create(
            product=product,
            kind=ProductOption.Kind.EXTRA_PAIR,
            code="extra-pair",
            defaults={"name": "Extra pair", "price_delta": EXTRA_PAIR_PRICE[product.slug]},
        )
        ProductOption.objects.update_or_create(
            product=product,
            kind=ProductOption.Kind.IMPRESSION_BOX,
            code="impression-box",
            defaults={"name": "Foam impression box", "price_delta": IMPRESSION_BOX_PRICE},
        )
    stdout.write(f"Catalogue: {len(PRODUCTS)} products.")
