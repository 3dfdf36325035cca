"""The confirmation forms of the order desk's actions (crispy, the house pack)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm
from orders.models import Carrier


class NoteForm(GovForm, forms.Form):
    note = forms.CharField(
        label=_("Note for the timeline (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Staff see it; the customer never does."),
    )


class ShipForm(GovForm, forms.Form):
    carrier = forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=Carrier.objects.filter(is_active=True),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the carrier")},
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=100,
        error_messages={"required": _("Enter the tracking number")},
    )


class CancelForm(GovForm, forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter why the order is cancelled")},
    )
    refund = forms.BooleanField(
        label=_("Refund everything the customer paid, through Stripe"),
        required=False,
        initial=True,
    )
