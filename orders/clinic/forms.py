"""The clinician's approval form for an order without an assessment."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ClinicApprovalForm(forms.Form):
    """A clinician approves an order without an assessment for the lab."""

    red_flags_checked = forms.BooleanField(
        label=_("I have asked the customer the red-flag questions myself and none of them applies"),
        required=False,
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, needs_red_flags_check: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_red_flags_check:
            self.fields["red_flags_checked"].required = True
            self.fields["red_flags_checked"].error_messages["required"] = _(
                "Confirm you asked the customer the red-flag questions: this order was placed "
                "before checkout asked them"
            )
        else:
            del self.fields["red_flags_checked"]
