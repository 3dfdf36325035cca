"""The product page's choice: shoe size and options, validated again at checkout."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from crispy_forms.layout import Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm, Question
from fitsperfect.money import signed_money

from .models import Product, ProductOption, SizeSystem

# Where the product page keeps the customer's choice for the checkout (the checkout reads it).
SESSION_KEY = "orders_checkout"

# Valid shoe sizes per system (inclusive, half sizes allowed).
SIZE_RANGES = {
    SizeSystem.EU: (Decimal("34"), Decimal("50")),
    SizeSystem.UK: (Decimal("1"), Decimal("14")),
    SizeSystem.US: (Decimal("3"), Decimal("16")),
}


# One message per system (its article differs: "an EU size", "a UK size"); SIZE_RANGES fills in.
SIZE_RANGE_MESSAGES = {
    SizeSystem.EU: _("Enter an EU size from %(low)s to %(high)s, in whole or half sizes"),
    SizeSystem.UK: _("Enter a UK size from %(low)s to %(high)s, in whole or half sizes"),
    SizeSystem.US: _("Enter a US size from %(low)s to %(high)s, in whole or half sizes"),
}
SIZE_NOT_A_NUMBER = _("Enter your shoe size as a number, like 42 or 8.5")


class PricedRadioSelect(forms.RadioSelect):
    """Radios whose inputs carry their price change (`data-price-delta`, minor units) for the
    page's live total (static/js/orders.js); the label shows the same change in words."""

    def __init__(self, attrs=None, choices=(), price_deltas=None):
        super().__init__(attrs, choices)
        self.price_deltas = price_deltas or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.price_deltas:
            option["attrs"]["data-price-delta"] = str(self.price_deltas[str(value)])
        return option


def _priced_label(name: str, delta: int, currency: str) -> str:
    if not delta:
        return name
    return format_html('{} <span class="muted">({})</span>', name, signed_money(delta, currency))


class ProductChoiceForm(GovForm, forms.Form):
    """Shoe size and options for one product; the price follows the options."""

    size_system = forms.ChoiceField(
        label=_("Size system"),
        choices=SizeSystem.choices,
        initial=SizeSystem.EU,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the size system of your shoe size: EU, UK or US")},
    )
    size = forms.CharField(
        label=_("Shoe size"),
        max_length=5,
        help_text=_("The size of the shoes you will wear them in, for example 42 or 8.5."),
        error_messages={"required": _("Enter your shoe size"), "max_length": SIZE_NOT_A_NUMBER},
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "input-width-4",
            }
        ),
    )
    top_cover = forms.ChoiceField(
        label=_("Top cover"),
        help_text=_("The layer your foot rests on."),
        widget=PricedRadioSelect,
        error_messages={"required": _("Select a top cover")},
    )
    extra_pair = forms.BooleanField(label=_("Add an extra pair"), required=False)
    impression_box = forms.BooleanField(
        label=_("Post me a foam impression box"),
        help_text=_("No 3D scanner? Press your feet into the box and post it back; we scan it."),
        required=False,
    )
    assessment = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, product: Product, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        currency = product.currency
        covers = [o for o in product.options.all() if o.kind == ProductOption.Kind.TOP_COVER]
        if covers:
            top_cover = self.fields["top_cover"]
            top_cover.choices = [
                (o.code, _priced_label(o.name, o.price_delta, currency)) for o in covers
            ]
            top_cover.widget.price_deltas = {o.code: o.price_delta for o in covers}
            top_cover.initial = next((o.code for o in covers if o.is_default), covers[0].code)
        else:
            del self.fields["top_cover"]
        self.cover_options = covers
        self.extra_option = self._priced_checkbox("extra_pair", ProductOption.Kind.EXTRA_PAIR)
        self.impression_box_option = self._priced_checkbox(
            "impression_box", ProductOption.Kind.IMPRESSION_BOX
        )

    def _priced_checkbox(self, name: str, kind: str) -> ProductOption | None:
        """A yes/no option shows its price and tells the running total its delta; a product
        without that option drops the question."""
        option = next((o for o in self.product.options.all() if o.kind == kind), None)
        if option is None:
            del self.fields[name]
            return None
        field = self.fields[name]
        field.label = _priced_label(
            str(field.label), option.price_delta or 0, self.product.currency
        )
        field.widget.attrs["data-price-delta"] = str(option.price_delta)
        return option

    @property
    def helper(self):
        """The three size systems side by side (short options); the rest as the pack lays out."""
        helper = super().helper
        helper.layout = Layout(
            *(
                Question(name, wrapper_class="choices-inline")
                if name == "size_system"
                else Question(name)
                for name in self.fields
            )
        )
        return helper

    def clean(self):
        data = super().clean()
        system, size = data.get("size_system"), (data.get("size") or "").strip().replace(",", ".")
        if system and size:
            try:
                value = Decimal(size)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():  # "NaN" and "inf" parse, then compare badly
                self.add_error("size", SIZE_NOT_A_NUMBER)
                return data
            low, high = SIZE_RANGES[system]
            if not (low <= value <= high) or (value * 2) % 1:
                self.add_error("size", SIZE_RANGE_MESSAGES[system] % {"low": low, "high": high})
            else:
                data["size"] = f"{value.normalize():f}"
        return data
