"""Forms: order lookup and staff actions (sign-up: fitsperfect.accounts.forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OrderLookupForm(forms.Form):
    number = forms.CharField(
        label=_("Order number"),
        max_length=16,
        help_text=_("It starts with FP- and is in your confirmation email."),
    )
    email = forms.EmailField(
        label=_("Email address used for the order"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)
