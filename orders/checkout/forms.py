"""Checkout's forms: the customer's details and the health questions (the assessment's own
red-flag question, one definition)."""

from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import questions
from assessments.forms import RedFlagForm
from orders.consent import HEALTH_DATA_CONSENT_TEXT

COUNTRIES = [
    ("GB", _("United Kingdom")),
    ("IE", _("Ireland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("NL", _("Netherlands")),
    ("US", _("United States")),
]

POSTCODE_PATTERNS = {
    "GB": (r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", _("Enter a UK postcode, like SW1A 1AA.")),
    "IE": (r"^[A-Z][0-9][0-9W] ?[A-Z0-9]{4}$", _("Enter an Eircode, like D02 X285.")),
    "FR": (r"^[0-9]{5}$", _("Enter a French postcode of 5 digits, like 75001.")),
    "DE": (r"^[0-9]{5}$", _("Enter a German postcode of 5 digits, like 10115.")),
    "NL": (r"^[0-9]{4} ?[A-Z]{2}$", _("Enter a Dutch postcode, like 1012 AB.")),
    "US": (r"^[0-9]{5}(-[0-9]{4})?$", _("Enter a ZIP code, like 94105 or 94105-1234.")),
}


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send your receipt and order updates here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only used if the courier or the lab needs to reach you."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    address_line1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    region = forms.CharField(
        label=_("County, state or region"),
        max_length=100,
        required=False,
        help_text=_("Required for the United States (the state)."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postcode = forms.CharField(
        label=_("Postcode or ZIP code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=COUNTRIES,
        initial="GB",
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of sale"),
        error_messages={"required": _("Accept the terms of sale to place your order.")},
    )
    consent_health_data = forms.BooleanField(
        label=HEALTH_DATA_CONSENT_TEXT,
        error_messages={
            "required": _("We need your consent to process your health data to make orthotics.")
        },
    )
    checkout_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("checkout_key"):
            self.initial["checkout_key"] = uuid.uuid4().hex

    def clean_checkout_key(self) -> str:
        key = self.cleaned_data.get("checkout_key") or ""
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex

    def clean(self):
        data = super().clean()
        country, postcode = data.get("country"), (data.get("postcode") or "").strip().upper()
        if country and postcode:
            pattern, message = POSTCODE_PATTERNS[country]
            if not re.match(pattern, postcode):
                self.add_error("postcode", message)
            else:
                data["postcode"] = postcode
        if country == "US" and not (data.get("region") or "").strip():
            self.add_error("region", _("Enter the state."))
        return data


class CheckoutHealthForm(RedFlagForm):
    """Checkout without an assessment: the assessment's own red-flag question (one definition,
    "None of these" exclusive) and whether the buyer is 18 or over."""

    adult = forms.ChoiceField(
        label=_("Are you 18 or over?"),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if you are 18 or over")},
    )
