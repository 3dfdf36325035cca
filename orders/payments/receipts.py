"""VAT receipts: prices include VAT, so net and VAT are worked back from each line's gross.

Per line: VAT = gross x rate / (1 + rate), rounded half up to the minor unit; net = gross - VAT, so
net + VAT is always exactly what was paid. The rate is the product's (`ProductVatRate`), else
`settings.VAT_DEFAULT_RATE_BASIS_POINTS` (UK standard 20%). Zero-rating for eligible customers is
out of scope. Read-only: the confirmation email, the order page and the printable receipt use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from orders.models import Order

from .models import ProductVatRate


def vat_included(gross: int, rate_basis_points: int) -> int:
    """The VAT inside a VAT-inclusive amount, in minor units, rounded half up."""
    denominator = 10_000 + rate_basis_points
    return (2 * gross * rate_basis_points + denominator) // (2 * denominator)


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    quantity: int
    gross: int
    net: int
    vat: int
    rate_percent: str


@dataclass
class Receipt:
    number: str
    date: datetime
    currency: str
    lines: list[ReceiptLine]
    seller_name: str
    seller_address: list[str]
    seller_vat_number: str
    customer_lines: list[str]
    net: int = 0
    vat: int = 0
    gross: int = 0
    rates: list[tuple[str, int, int]] = field(default_factory=list)  # (rate %, net, VAT)


def _percent(rate_basis_points: int) -> str:
    return f"{rate_basis_points / 100:g}%"


def order_receipt(order: Order) -> Receipt:
    """The order's VAT receipt (two queries: lines, rates)."""
    default = int(settings.VAT_DEFAULT_RATE_BASIS_POINTS)
    lines = list(order.lines.all())
    rates = dict(
        ProductVatRate.objects.filter(
            product_id__in={line.product_id for line in lines}
        ).values_list("product_id", "rate_basis_points")
    )
    receipt = Receipt(
        number=order.number,
        date=order.paid_at or order.created_at,
        currency=order.currency,
        lines=[],
        seller_name=settings.SELLER_NAME,
        seller_address=list(settings.SELLER_ADDRESS),
        seller_vat_number=settings.SELLER_VAT_NUMBER,
        customer_lines=order.shipping_address_lines,
    )
    by_rate: dict[int, list[int]] = {}
    charged = [
        (line.description, line.quantity, line.line_total, rates.get(line.product_id, default))
        for line in lines
    ]
    if order.shipping:
        charged.append((_("Delivery"), 1, order.shipping, default))
    for description, quantity, gross, rate in charged:
        vat = vat_included(gross, rate)
        receipt.lines.append(
            ReceiptLine(description, quantity, gross, gross - vat, vat, _percent(rate))
        )
        receipt.net += gross - vat
        receipt.vat += vat
        receipt.gross += gross
        totals = by_rate.setdefault(rate, [0, 0])
        totals[0] += gross - vat
        totals[1] += vat
    receipt.rates = [(_percent(rate), net, vat) for rate, (net, vat) in sorted(by_rate.items())]
    return receipt
