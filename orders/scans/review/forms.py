"""Staff's forms for the review of a scan (rendered with `{% crispy form %}`, the house pack)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm

from .services import REJECTION_REASONS

UNITS = [
    ("mm", _("millimetres")),
    ("cm", _("centimetres")),
    ("m", _("metres")),
    ("inch", _("inches")),
]


class ScaleForm(GovForm, forms.Form):
    """A unit, or "scale it so the foot is N mm long" (e.g. the length the customer measured)."""

    how = forms.ChoiceField(
        label=_("How should we scale this scan?"),
        choices=[("unit", _("The file is in this unit")), ("length", _("The foot is this long"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how to scale the scan")},
    )
    unit = forms.ChoiceField(label=_("Unit of the file"), choices=UNITS, required=False)
    foot_length_mm = forms.FloatField(
        label=_("Foot length in mm (heel to longest toe)"),
        required=False,
        min_value=70,
        max_value=400,
        error_messages={
            "min_value": _("Foot length must be at least 70 mm"),
            "max_value": _("Foot length must be at most 400 mm"),
            "invalid": _("Enter the foot length as a number of millimetres, like 245"),
        },
    )
    accept = forms.BooleanField(
        label=_("Accept the scan with this scale"),
        required=False,
        initial=True,
        help_text=_("Untick to look at the new measurements first."),
    )
    reveal = {"how": {"unit": ["unit"], "length": ["foot_length_mm"]}}

    def clean(self):
        data = super().clean()
        if data.get("how") == "length" and data.get("foot_length_mm") is None:
            self.add_error("foot_length_mm", _("Enter the foot length in mm"))
        return data

    def scale(self) -> dict:
        if self.cleaned_data["how"] == "unit":
            return {"unit": self.cleaned_data["unit"] or "mm"}
        return {"foot_length_mm": self.cleaned_data["foot_length_mm"]}


class RejectForm(GovForm, forms.Form):
    reason = forms.ChoiceField(
        label=_("Why can we not use this scan?"),
        choices=[(code, reason.label) for code, reason in REJECTION_REASONS.items()],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why the scan cannot be used")},
    )
    note = forms.CharField(
        label=_("Message to the customer (optional)"),
        help_text=_("Added to the email after the advice for the reason you chose."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == "other" and not (data.get("note") or "").strip():
            self.add_error("note", _("Explain the reason to the customer"))
        return data


class ConfirmForm(GovForm, forms.Form):
    """Accept and swap only ask for a confirmation."""
