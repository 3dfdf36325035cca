"""The catalogue: products, their priced options, and the shoe size systems a choice is made in.

The tables were created by the orders app (`orders_product`, `orders_productoption`) and keep their
names. Money is integer minor units plus a lower-case ISO currency code.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY.lower()


class Product(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"))
    # One included item per line ("Two custom insoles", "Free remake within 60 days"...).
    included = models.TextField(_("what is included"), blank=True)
    turnaround_days = models.PositiveSmallIntegerField(_("turnaround (working days)"), default=10)
    base_price = models.PositiveIntegerField(_("price (minor units)"))
    currency = models.CharField(max_length=3, default=default_currency)
    image = models.CharField(_("image (static path)"), max_length=200, blank=True)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "orders_product"  # created by orders' migrations; the rows stay put
        ordering = ["position", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("orders:product_detail", args=[self.slug])

    @property
    def included_items(self) -> list[str]:
        return [line.strip() for line in self.included.splitlines() if line.strip()]


class ProductOption(models.Model):
    """A priced choice on a product: a top-cover material, an extra pair, or the foam impression
    box we post to customers without a scanner (orders.scans: how to scan)."""

    class Kind(models.TextChoices):
        TOP_COVER = "top_cover", _("Top cover")
        EXTRA_PAIR = "extra_pair", _("Extra pair")
        # We post a foam box; the customer presses each foot into it and posts it back.
        IMPRESSION_BOX = "impression_box", _("Foam impression box")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=100)
    price_delta = models.IntegerField(_("price change (minor units)"), default=0)
    is_default = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "orders_productoption"
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "code"], name="uniq_product_option")
        ]
        verbose_name = _("product option")
        verbose_name_plural = _("product options")

    def __str__(self) -> str:
        return f"{self.product.slug}: {self.get_kind_display()} {self.name}"


class SizeSystem(models.TextChoices):
    EU = "eu", _("EU")
    UK = "uk", _("UK")
    US = "us", _("US")
