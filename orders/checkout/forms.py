"""Checkout's forms: the customer's details and the health questions (the assessment's own
red-flag question, one definition)."""

from __future__ import annotations

import re
import uuid

from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import questions
from assessments.forms import RedFlagForm
from fitsperfect.formpack import GovForm, Question
from orders.address import ADDRESS_FIELDS
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
    "GB": (r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", _("Enter a UK postcode, like SW1A 1AA")),
    "IE": (r"^[A-Z][0-9][0-9W] ?[A-Z0-9]{4}$", _("Enter an Eircode, like D02 X285")),
    "FR": (r"^[0-9]{5}$", _("Enter a French postcode of 5 digits, like 75001")),
    "DE": (r"^[0-9]{5}$", _("Enter a German postcode of 5 digits, like 10115")),
    "NL": (r"^[0-9]{4} ?[A-Z]{2}$", _("Enter a Dutch postcode, like 1012 AB")),
    "US": (r"^[0-9]{5}(-[0-9]{4})?$", _("Enter a ZIP code, like 94105 or 94105-1234")),
}
# A phone number as people type it: digits with spaces, dashes, dots, brackets, a leading +.
PHONE_PATTERN = r"^\+?[0-9 ().-]+$"
PHONE_MIN_DIGITS = 7
# A template (crispy's HTML object renders one): the same words as before the form pack.
TERMS_HINT = (
    '{% load i18n %}<p class="hint">{% url "terms" as terms_url %}{% url "privacy" as privacy_url %}'
    '{% blocktranslate trimmed %}Read our <a href="{{ terms_url }}">terms of sale</a> and '
    '<a href="{{ privacy_url }}">privacy notice</a>.{% endblocktranslate %}</p>'
)
EMAIL_INVALID = _("Enter an email address in the right format, like name@example.com")


def _text(autocomplete: str, **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


class CheckoutForm(GovForm, forms.Form):
    """The buyer's contact details, delivery address and consent: three fieldsets on one page.
    Every message names its field (GovForm); what was typed stays on an error."""

    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send your receipt and order updates here."),
        error_messages={"required": _("Enter your email address"), "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        error_messages={"required": _("Enter your full name")},
        widget=_text("name", spellcheck="false"),
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
        error_messages={"required": _("Enter address line 1, usually the building and street")},
        widget=_text("address-line1"),
    )
    address_line2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        widget=_text("address-line2"),
    )
    city = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        error_messages={"required": _("Enter your town or city")},
        widget=_text("address-level2"),
    )
    region = forms.CharField(
        label=_("County, state or region"),
        max_length=100,
        required=False,
        help_text=_("Required for the United States (the state)."),
        widget=_text("address-level1"),
    )
    postcode = forms.CharField(
        label=_("Postcode or ZIP code"),
        max_length=20,
        error_messages={"required": _("Enter your postcode or ZIP code")},
        widget=_text("postal-code", spellcheck="false", **{"class": "input-width-10"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=COUNTRIES,
        initial="GB",
        error_messages={"required": _("Select the country we deliver to")},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of sale"),
        error_messages={"required": _("Accept the terms of sale to place your order")},
    )
    consent_health_data = forms.BooleanField(
        label=HEALTH_DATA_CONSENT_TEXT,
        error_messages={
            "required": _(
                "Agree to us processing your health data: we cannot make orthotics without it"
            )
        },
    )
    checkout_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("checkout_key"):
            self.initial["checkout_key"] = uuid.uuid4().hex

    @property
    def helper(self):
        """The fields in three fieldsets, as the page has always grouped them."""
        helper = super().helper
        helper.layout = Layout(
            Question("checkout_key"),
            Fieldset(
                _("Your contact details"),
                *(Question(n) for n in ("email", "full_name", "phone")),
                css_class="form-section",
            ),
            Fieldset(
                _("Delivery address"),
                *(Question(n) for n in ADDRESS_FIELDS),
                css_class="form-section",
            ),
            Fieldset(
                _("Consent"),
                HTML(TERMS_HINT),
                Question("accept_terms"),
                Question("consent_health_data"),
                css_class="form-section",
            ),
        )
        return helper

    def clean_checkout_key(self) -> str:
        key = self.cleaned_data.get("checkout_key") or ""
        return key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid.uuid4().hex

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "").strip()
        digits = sum(c.isdigit() for c in phone)
        if phone and (not re.match(PHONE_PATTERN, phone) or digits < PHONE_MIN_DIGITS):
            raise forms.ValidationError(
                _("Enter a phone number, like 01632 960 001 or +44 7700 900 982"), code="invalid"
            )
        return phone

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
            self.add_error("region", _("Enter the state, like California or CA"))
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
