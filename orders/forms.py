"""Forms: product options, checkout details, order lookup, signup, and staff actions."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
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
