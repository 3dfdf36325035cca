"""Forms: product options, checkout details, order lookup, signup, and staff actions."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
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


class SignupForm(UserCreationForm):
    """An account is just an email address and a password (the email is the username)."""

    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    class Meta:
        model = get_user_model()
        fields = ("email",)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        user_model = get_user_model()
        if user_model.objects.filter(username__iexact=email).exists() or (
            user_model.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("An account with this email already exists. Sign in or reset your password.")
            )
        return email

    def _post_clean(self):
        self.instance.username = (self.cleaned_data.get("email") or "")[:150]
        super()._post_clean()

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.username = self.cleaned_data["email"][:150]
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
        return user
