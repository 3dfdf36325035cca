"""Reads of the catalogue: products on sale and the catalogue's page-cache version."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from fitsperfect import pagecache

from .models import Product, ProductOption


def products_on_sale() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).prefetch_related(
        Prefetch("options", queryset=ProductOption.objects.order_by("kind", "position", "name"))
    )


def product_by_slug(slug: str) -> Product | None:
    return products_on_sale().filter(slug=slug).first()


# The catalogue's version, in the shared cache: pages that show products (kept rendered by each
# process, or in the page cache) are only served under the version they were made under. A
# product or option change sets a new one once it commits (orders.catalogue.receivers).
CATALOGUE_VERSION_KEY = "orders:catalogue:version"


def catalogue_version() -> object:
    """The current version (see `pagecache.shared_version`: this process's copy, a few seconds)."""
    return pagecache.shared_version(CATALOGUE_VERSION_KEY)
