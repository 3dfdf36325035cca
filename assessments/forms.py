"""One form per questionnaire step, plus the result-link and clinician forms.

Cleaned data is JSON-ready (strings, ints, lists) because it is stored as item-level answers.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fitsperfect.images import PhotoRejected, sanitise_photo

from . import questions, scoring
from .consent import HEALTH_DATA_CONSENT_TEXT
from .models import Assessment, AssessmentPhoto

MAX_PHOTO_BYTES = 15 * 1024 * 1024


class _SharedFields(dict):
    """A form class's fields, which Django deep-copies into every instance so that an instance
    may change its own fields. The question forms never do (a test checks), and the copy of the
    fields with their widgets and lazy-translated choices was a sixth of the CPU of answering a
    question step, so each instance gets its own dict of the same field objects instead."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


class _SharedFieldsMetaclass(forms.forms.DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _SharedFields(new_class.base_fields)
        return new_class


class QuestionForm(forms.Form, metaclass=_SharedFieldsMetaclass):
    """A question step's form: its fields are the class's own, shared by every instance, so
    nothing may change a field object per instance (add or replace fields in `self.fields`)."""


def required(message):
    return {"required": message}


class AboutForm(QuestionForm):
    age = forms.IntegerField(
        label=_("Your age"),
        min_value=1,
        max_value=120,
        error_messages={
            "required": _("Enter your age in years"),
            "invalid": _("Age must be a whole number, like 42"),
            "min_value": _("Age must be at least 1"),
            "max_value": _("Age must be 120 or less"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(
        label=_("Your sex"),
        help_text=_("Some causes of pain are more common in women or in men."),
        choices=questions.SEXES,
        widget=forms.RadioSelect,
        error_messages=required(_("Select your sex, or 'Prefer not to say'")),
    )
    height_cm = forms.IntegerField(
        label=_("Height in centimetres (optional)"),
        required=False,
        min_value=100,
        max_value=250,
        error_messages={
            "invalid": _("Height must be a whole number of centimetres, like 170"),
            "min_value": _("Height must be at least 100 cm"),
            "max_value": _("Height must be 250 cm or less"),
        },
    )
    weight_kg = forms.IntegerField(
        label=_("Weight in kilograms (optional)"),
        required=False,
        min_value=25,
        max_value=350,
        error_messages={
            "invalid": _("Weight must be a whole number of kilograms, like 70"),
            "min_value": _("Weight must be at least 25 kg"),
            "max_value": _("Weight must be 350 kg or less"),
        },
    )


class PainForm(QuestionForm):
    areas = forms.MultipleChoiceField(
        label=_("Where does it hurt?"),
        help_text=_(
            "Select all that apply. Leave them all unticked if nothing hurts at the moment."
        ),
        choices=questions.PAIN_AREAS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    duration = forms.ChoiceField(
        label=_("How long have you had this pain?"),
        choices=questions.DURATIONS,
        widget=forms.RadioSelect,
        required=False,
    )
    pain_score = forms.IntegerField(
        label=_("How bad is the pain at its worst, from 0 (none) to 10 (the worst imaginable)?"),
        min_value=0,
        max_value=10,
        required=False,
        error_messages={
            "invalid": _("Enter a whole number from 0 to 10"),
            "min_value": _("Enter a whole number from 0 to 10"),
            "max_value": _("Enter a whole number from 0 to 10"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Do any of these describe it? (optional)"),
        choices=questions.SYMPTOMS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    aggravates = forms.CharField(
        label=_("What makes it worse? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("areas"):
            if not data.get("duration"):
                self.add_error("duration", _("Select how long you have had this pain"))
            if data.get("pain_score") is None and "pain_score" not in self.errors:
                self.add_error("pain_score", _("Enter how bad the pain is, from 0 to 10"))
        return data


class RedFlagForm(QuestionForm):
    flags = forms.MultipleChoiceField(
        label=_("Do any of these apply to you?"),
        help_text=_(
            "Select all that apply. These need a clinician's attention before anything else."
        ),
        choices=[*questions.RED_FLAG_CHOICES, (questions.NONE_OF_THESE, _("None of these"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages=required(_("Select any that apply, or 'None of these'")),
    )

    def clean_flags(self):
        flags = self.cleaned_data["flags"]
        if questions.NONE_OF_THESE in flags and len(flags) > 1:
            raise forms.ValidationError(
                _("Select 'None of these' only if none of the others apply")
            )
        return flags


class PostureForm(QuestionForm):
    """Five picture items for one foot, each -2..+2 or "I can't tell"."""

    def __init__(self, *args, side: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.side = side
        for item in questions.POSTURE_ITEMS:
            choices = [(str(value), label) for value, label in item.choices]
            choices.append((questions.CANT_TELL, _("I can't tell")))
            field = forms.ChoiceField(
                label=item.question,
                help_text=item.hint,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages=required(
                    format_lazy(
                        _("{question}: select the picture closest to your foot, or 'I can't tell'"),
                        question=item.question,
                    )
                ),
            )
            field.posture_item = item
            self.fields[item.code] = field

    def items(self):
        """(bound field, posture item) pairs, in FPI order, for the picture template."""
        return [(self[item.code], item) for item in questions.POSTURE_ITEMS]


class ActivityForm(QuestionForm):
    impact = forms.ChoiceField(
        label=_("How often do you run or do other impact sport?"),
        choices=questions.IMPACT,
        widget=forms.RadioSelect,
        error_messages=required(_("Select how often you run or do impact sport")),
    )
    recent_training_jump = forms.ChoiceField(
        label=_("Have you recently increased how much or how hard you train?"),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes or no")),
    )
    previous_overuse_injury = forms.ChoiceField(
        label=_("Have you had an overuse injury in your feet or legs before?"),
        help_text=_("For example plantar fasciitis, shin splints or Achilles pain."),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes or no")),
    )
    hypermobility = forms.ChoiceField(
        label=_("Are your joints unusually flexible (hypermobile)?"),
        choices=questions.YES_NO_NOT_SURE,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes, no or not sure")),
    )
    previous_orthoses = forms.ChoiceField(
        label=_("Have you worn insoles or orthotics before?"),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes or no")),
    )
    shoes = forms.ChoiceField(
        label=_("What shoes do you wear most days?"),
        choices=questions.SHOES,
        widget=forms.RadioSelect,
        error_messages=required(_("Select the shoes you wear most days")),
    )
    conditions = forms.CharField(
        label=_("Any other health conditions we should know about? (optional)"),
        help_text=_("For example arthritis, diabetes or a past operation."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PhotoField(forms.FileField):
    """A JPEG/PNG photo, sanitised while validating; cleans to a `SanitisedImage` or None."""

    widget = forms.ClearableFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget = forms.FileInput(attrs={"accept": "image/jpeg,image/png"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo must be smaller than 15 MB"))
        try:
            return sanitise_photo(upload)
        except PhotoRejected as error:
            raise forms.ValidationError(error.message) from error


class PhotosForm(forms.Form):
    left_behind = PhotoField(
        label=format_lazy("{} {}", AssessmentPhoto.Kind.LEFT_BEHIND.label, _("(optional)")),
        help_text=_("Standing relaxed, photographed from behind at heel height."),
    )
    right_behind = PhotoField(
        label=format_lazy("{} {}", AssessmentPhoto.Kind.RIGHT_BEHIND.label, _("(optional)")),
        help_text=_("Standing relaxed, photographed from behind at heel height."),
    )
    footprint = PhotoField(
        label=format_lazy("{} {}", AssessmentPhoto.Kind.FOOTPRINT.label, _("(optional)")),
        help_text=_(
            "Wet your foot, stand on dark paper or card, and photograph the print from above."
        ),
    )


class SubmitForm(forms.Form):
    contact_email = forms.EmailField(
        label=_("Email address (optional)"),
        help_text=_("We will send you a link to your result. We use it for nothing else."),
        required=False,
        error_messages={
            "invalid": _("Enter an email address in the right format, like name@example.com")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class EmailLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


FPI_CHOICES = [("", _("Not scored")), *[(str(v), f"{v:+d}") for v in range(-2, 3)]]


class ReviewForm(forms.Form):
    """The clinician's own FPI rating (items 2-6 per foot), a decision and notes."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in Assessment.Decision.choices if c[0]],
        widget=forms.RadioSelect,
        error_messages=required(_("Select a decision")),
    )
    notes = forms.CharField(
        label=_("Notes"),
        help_text=_("Required unless you approve. The person may be contacted with these."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, may_back_order: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_back_order:
            # A referral is final (selectors.assessment_may_back_order): approval is not offered.
            self.fields["decision"].choices = [
                choice
                for choice in self.fields["decision"].choices
                if choice[0] != Assessment.Decision.APPROVED
            ]
        for side in ("left", "right"):
            for item in questions.POSTURE_ITEMS:
                self.fields[f"{side}_{item.code}"] = forms.TypedChoiceField(
                    label=f"FPI {item.fpi_item}: {item.question}",
                    choices=FPI_CHOICES,
                    coerce=int,
                    empty_value=None,
                    required=False,
                )

    def fpi_fields(self, side: str):
        return [self[f"{side}_{code}"] for code in scoring.POSTURE_ITEMS]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision and decision != Assessment.Decision.APPROVED and not data.get("notes"):
            self.add_error("notes", _("Add a note saying what is needed or why"))
        return data

    def fpi(self) -> dict[str, int | None]:
        return {
            f"{side}_{code}": self.cleaned_data.get(f"{side}_{code}")
            for side in ("left", "right")
            for code in scoring.POSTURE_ITEMS
        }


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any"))]
        + [c for c in Assessment.Status.choices if c[0] != Assessment.Status.DRAFT],
    )
    band = forms.ChoiceField(
        label=_("Band"), required=False, choices=[("", _("Any")), *Assessment.Band.choices]
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("Submitted to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Search"),
        help_text=_("Assessment number, email or article"),
        required=False,
        max_length=200,
    )


class HealthDataConsentForm(forms.Form):
    """Asked once, before the first answer is stored (see assessments.consent)."""

    agree = forms.BooleanField(
        label=HEALTH_DATA_CONSENT_TEXT,
        error_messages={
            "required": _("Select the box to agree, so that we can store your answers"),
        },
    )


class CalibrationFilterForm(forms.Form):
    """Calibration for one model version, or each version with reviews (never mixed)."""

    version = forms.ChoiceField(label=_("Model version"), required=False)

    def __init__(self, *args, versions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [("", _("Every version, separately"))] + [
            (v, format_lazy(_("Version {}"), v)) for v in versions
        ]


MESSAGE_MAX_LENGTH = 5000


class ClinicMessageForm(forms.Form):
    """ "Talk to a clinician": a question for the clinic, answered by email."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={
            "required": _("Enter your name"),
            "max_length": _("Name must be 200 characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("A clinician will answer you at this address."),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    message = forms.CharField(
        label=_("Your message"),
        help_text=_(
            "What would you like to ask? For example about your result, your pain, or whether "
            "an orthotic is right for you."
        ),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={
            "required": _("Enter your message"),
            "max_length": format_lazy(
                _("Message must be {} characters or fewer"), MESSAGE_MAX_LENGTH
            ),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ClinicAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        help_text=_("Emailed to the person as you write it."),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Enter your answer")},
        widget=forms.Textarea(attrs={"rows": 10}),
    )
