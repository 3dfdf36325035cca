"""The product page's choice: shoe size and options, validated again at checkout."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Product, ProductOption, SizeSystem

# Where the product page keeps the customer's choice for the checkout (the checkout reads it).
SESSION_KEY = "orders_checkout"

# Valid shoe sizes per system (inclusive, half sizes allowed).
SIZE_RANGES = {
    SizeSystem.EU: (Decimal("34"), Decimal("50")),
    SizeSystem.UK: (Decimal("1"), Decimal("14")),
    SizeSystem.US: (Decimal("3"), Decimal("16")),
}


class ProductChoiceForm(forms.Form):
    """Shoe size and options for one product; the price follows the options."""

    size_system = forms.ChoiceField(
        label=_("Size system"),
        choices=SizeSystem.choices,
        initial=SizeSystem.EU,
        widget=forms.RadioSelect,
    )
    size = forms.CharField(
        label=_("Shoe size"),
        max_length=5,
        help_text=_("The size of the shoes you will wear them in, for example 42 or 8.5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    top_cover = forms.ChoiceField(label=_("Top cover"), widget=forms.RadioSelect)
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
        covers = [o for o in product.options.all() if o.kind == ProductOption.Kind.TOP_COVER]
        self.fields["top_cover"].choices = [(o.code, o.name) for o in covers]
        default = next((o.code for o in covers if o.is_default), covers[0].code if covers else "")
        self.fields["top_cover"].initial = default
        if not covers:
            self.fields["top_cover"].required = False
        extra = [o for o in product.options.all() if o.kind == ProductOption.Kind.EXTRA_PAIR]
        if not extra:
            del self.fields["extra_pair"]
        self.cover_options = covers
        self.extra_option = extra[0] if extra else None
        box = [o for o in product.options.all() if o.kind == ProductOption.Kind.IMPRESSION_BOX]
        if not box:
            del self.fields["impression_box"]
        self.impression_box_option = box[0] if box else None

    def clean(self):
        data = super().clean()
        system, size = data.get("size_system"), (data.get("size") or "").strip().replace(",", ".")
        if system and size:
            try:
                value = Decimal(size)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():  # "NaN" and "inf" parse, then compare badly
                self.add_error("size", _("Enter a shoe size as a number, for example 42 or 8.5."))
                return data
            low, high = SIZE_RANGES[system]
            if not (low <= value <= high) or (value * 2) % 1:
                self.add_error(
                    "size",
                    _("Enter a %(system)s size from %(low)s to %(high)s, in whole or half sizes.")
                    % {"system": SizeSystem(system).label, "low": low, "high": high},
                )
            else:
                data["size"] = f"{value.normalize():f}"
        return data
