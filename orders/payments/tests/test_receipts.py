"""VAT receipts: prices include VAT at each product's rate; net + VAT is exactly what was paid."""

import pytest
from django.core import mail
from django.urls import reverse

from orders.payments.models import ProductVatRate
from orders.payments.receipts import order_receipt, vat_included
from orders.tests.factories import paid_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (12000, 2000, 2000),
        (16400, 2000, 2733),
        (1, 2000, 0),
        (3, 2000, 1),
        (1000, 500, 48),
        (999, 0, 0),
    ],
)
def test_vat_is_worked_back_from_the_gross_and_rounded_half_up(gross, rate, vat):
    assert vat_included(gross, rate) == vat


def test_the_receipt_uses_the_products_rate_or_the_uk_default(catalogue, settings):
    settings.VAT_DEFAULT_RATE_BASIS_POINTS = 2000
    order = paid_order()
    receipt = order_receipt(order)
    assert receipt.gross == order.total == receipt.net + receipt.vat
    assert receipt.vat == vat_included(order.total, 2000)
    assert [line.rate_percent for line in receipt.lines] == ["20%"]
    assert receipt.seller_vat_number == settings.SELLER_VAT_NUMBER
    line = order.lines.get()
    ProductVatRate.objects.create(product=line.product, rate_basis_points=500)
    reduced = order_receipt(order)
    assert reduced.vat == vat_included(order.total, 500) and reduced.rates[0][0] == "5%"


def test_order_page_confirmation_email_and_printable_receipt_show_net_vat_gross_and_seller(
    client, catalogue, settings, django_capture_on_commit_callbacks
):
    settings.SELLER_NAME = "Fits Perfect Test Ltd"
    settings.SELLER_VAT_NUMBER = "GB 999 9999 73"
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order()
    receipt = order_receipt(order)
    net, vat = f"{receipt.net / 100:,.2f}", f"{receipt.vat / 100:,.2f}"
    page = client.get(order.get_absolute_url()).content.decode()
    printable = client.get(reverse("payments:receipt", args=[order.access_token]))
    assert printable.status_code == 200 and printable["Cache-Control"] == "no-store"
    confirmation = next(m for m in mail.outbox if order.number in m.subject)
    html_email = confirmation.alternatives[0][0]
    for text in (page, printable.content.decode(), confirmation.body, html_email):
        assert "Fits Perfect Test Ltd" in text and "GB 999 9999 73" in text
        assert net in text and vat in text and "VAT" in text
    assert order.paid_at.strftime("%Y") in printable.content.decode()


def test_an_unpaid_order_has_no_receipt(client, catalogue):
    from orders.tests.factories import create_order

    order = create_order()
    assert client.get(reverse("payments:receipt", args=[order.access_token])).status_code == 404
