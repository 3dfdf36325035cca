"""Forms: order lookup and staff actions (sign-up: fitsperfect.accounts.forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm


class OrderLookupForm(GovForm, forms.Form):
    """Finding an order without an account: its number and the email address it was placed with."""

    number = forms.CharField(
        label=_("Order number"),
        max_length=16,
        help_text=_("It starts with FP- and is in your confirmation email."),
        error_messages={
            "required": _("Enter your order number"),
            "max_length": _("Enter the order number as it is in your email, like FP-7KQ2M9XR"),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "class": "input-width-10",
            }
        ),
    )
    email = forms.EmailField(
        label=_("Email address used for the order"),
        error_messages={
            "required": _("Enter the email address you used for the order"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def not_found(self) -> None:
        """No order has this number and email: said once, in the summary and at the number."""
        self.add_error(
            "number",
            _(
                "We could not find an order with that number and email address. "
                "Check both and try again"
            ),
        )
