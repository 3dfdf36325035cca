"""The clinician's approval of a paid order and the prescription it carries to the lab."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm, NumberInput

from . import models as rx
from .models import NOTES_MAX, Prescription

# Each number field's clinical range (the model's validators say the same).
RANGES = {
    "rearfoot_post_left": (rx.POST_DEGREES_MIN, rx.POST_DEGREES_MAX),
    "rearfoot_post_right": (rx.POST_DEGREES_MIN, rx.POST_DEGREES_MAX),
    "forefoot_post_left": (rx.POST_DEGREES_MIN, rx.POST_DEGREES_MAX),
    "forefoot_post_right": (rx.POST_DEGREES_MIN, rx.POST_DEGREES_MAX),
    "heel_cup_depth_mm": (rx.HEEL_CUP_MM_MIN, rx.HEEL_CUP_MM_MAX),
    "arch_height_adjustment_mm": (rx.ARCH_ADJUST_MM_MIN, rx.ARCH_ADJUST_MM_MAX),
    "heel_lift_mm": (rx.HEEL_LIFT_MM_MIN, rx.HEEL_LIFT_MM_MAX),
}

SIGNED_FIELDS = (
    "rearfoot_post_left",
    "rearfoot_post_right",
    "forefoot_post_left",
    "forefoot_post_right",
    "arch_height_adjustment_mm",
)
NUMBER_FIELDS = (*SIGNED_FIELDS, "heel_cup_depth_mm", "heel_lift_mm")


class ClinicApprovalForm(GovForm, forms.Form):
    """A clinician approves a paid order for the lab (with the prescription beside it)."""

    red_flags_checked = forms.BooleanField(
        label=_("I have asked the customer the red-flag questions myself and none of them applies"),
        required=False,
    )
    notes = forms.CharField(
        label=_("Note on the order's timeline (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
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


class PrescriptionForm(GovForm, forms.ModelForm):
    """The structured prescription; initial values are `prescribing.suggest`'s. The model's
    `clean` holds the clinical rules between fields, so they apply here and in the admin."""

    class Meta:
        model = Prescription
        fields = (
            "device_type",
            "shell_material",
            "shell_rigidity",
            "rearfoot_post_left",
            "rearfoot_post_right",
            "forefoot_post_left",
            "forefoot_post_right",
            "heel_cup_depth_mm",
            "arch_height_adjustment_mm",
            "top_cover",
            "extension",
            "metatarsal_pad",
            "heel_lift_mm",
            "notes",
        )
        widgets = {
            "device_type": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
        }
        help_texts = {
            "rearfoot_post_left": _("From −8 (valgus) to 10 (varus); 0 for no post."),
            "heel_cup_depth_mm": _("8 to 30 mm; at most 14 mm for a dress device."),
            "arch_height_adjustment_mm": _("From −5 to 5 mm; 0 keeps the scanned arch."),
            "heel_lift_mm": _("0 to 12 mm; 0 for none."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NUMBER_FIELDS:
            field = self.fields[name]
            # A minus sign must be typeable: the signed fields get a plain text keyboard.
            attrs = {"inputmode": "text"} if name in SIGNED_FIELDS else {}
            field.widget = NumberInput(attrs={**attrs, "class": "input-width-4"})
            low, high = RANGES[name]
            label = str(field.label)
            field.min_value, field.max_value = low, high
            field.validators = [
                *field.validators,
                MinValueValidator(low),
                MaxValueValidator(high),
            ]
            between = _("%(label)s must be from %(low)s to %(high)s") % {
                "label": label,
                "low": low,
                "high": high,
            }
            field.error_messages.update(
                required=_("Enter the %(label)s") % {"label": label[:1].lower() + label[1:]},
                invalid=_("%(label)s must be a whole number") % {"label": label},
                min_value=between,
                max_value=between,
            )
        for name in ("device_type", "shell_material", "shell_rigidity", "top_cover", "extension"):
            self.fields[name].error_messages["required"] = _("Select the %(label)s") % {
                "label": str(self.fields[name].label).lower()
            }
        self.fields["device_type"].choices = [
            choice for choice in self.fields["device_type"].choices if choice[0]
        ]
