"""The sign-in and password forms (Django's own, through django.contrib.auth.urls), with
GOV.UK-style messages that name the field and say how to fix it, rendered by the "fp" pack."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .formpack import GovForm

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
