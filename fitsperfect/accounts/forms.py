"""The account forms: sign-up, and Django's sign-in and password forms, with GOV.UK-style
messages that name the field and say how to fix it, rendered by the "fp" pack (`GovForm`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm

EMAIL_MESSAGES = {
    "required": _("Enter your email address"),
    "invalid": _("Enter an email address in the right format, like name@example.com"),
}
NEW_PASSWORD_MESSAGES = {
    "new_password1": _("Enter a new password"),
    "new_password2": _("Enter the new password again to confirm it"),
}
PASSWORD_MISMATCH = _("The passwords do not match: enter the same new password twice")


def _messages(form, by_field: dict) -> None:
    for name, message in by_field.items():
        form.fields[name].error_messages = {**form.fields[name].error_messages, "required": message}


class SignInForm(GovForm, auth_forms.AuthenticationForm):
    """A wrong username or password is shown on the username field, so the summary links to it."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "Enter a correct username or email and password. Both may be case-sensitive."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or email")
        self.fields["username"].widget.attrs.pop("autofocus", None)
        _messages(
            self,
            {
                "username": _("Enter your username or email address"),
                "password": _("Enter your password"),
            },
        )

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            self.add_error("username", error)
            return self.cleaned_data


class PasswordResetForm(GovForm, auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages = {
            **self.fields["email"].error_messages,
            **EMAIL_MESSAGES,
        }


class SetPasswordForm(GovForm, auth_forms.SetPasswordForm):
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": PASSWORD_MISMATCH,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _messages(self, NEW_PASSWORD_MESSAGES)


class PasswordChangeForm(GovForm, auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_mismatch": PASSWORD_MISMATCH,
        "password_incorrect": _("Your current password is not right: enter it again"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _messages(self, {"old_password": _("Enter your current password"), **NEW_PASSWORD_MESSAGES})
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class SignupForm(GovForm, auth_forms.UserCreationForm):
    """An account is just an email address and a password (the email is the username)."""

    error_messages = {
        **auth_forms.UserCreationForm.error_messages,
        "password_mismatch": _("The passwords do not match: enter the same password twice"),
    }
    email = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages=EMAIL_MESSAGES,
    )

    class Meta:
        model = get_user_model()
        fields = ("email",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _messages(
            self,
            {
                "password1": _("Enter a password"),
                "password2": _("Enter the password again to confirm it"),
            },
        )

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
