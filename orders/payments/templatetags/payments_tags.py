"""`{% vat_summary order %}`: the VAT receipt block for the order page and the confirmation email
(templates of the order app use it without the order app importing payments)."""

from django import template

from ..receipts import order_receipt

register = template.Library()


@register.inclusion_tag("payments/_vat_summary.html")
def vat_summary(order):
    return {"receipt": order_receipt(order), "order": order}


@register.inclusion_tag("payments/_vat_summary.txt")
def vat_summary_text(order):
    return {"receipt": order_receipt(order), "order": order}
