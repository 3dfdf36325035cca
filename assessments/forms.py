"""One form per questionnaire step, plus the result-link and clinician forms.

Cleaned data is JSON-ready (strings, ints, lists) because it is stored as item-level answers.
"""

from __future__ import annotations

from functools import cache

from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.templatetags.static import static
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import DateField, GovForm, NumberInput, Question
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


class QuestionForm(GovForm, forms.Form, metaclass=_SharedFieldsMetaclass):
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
            "required": _("Enter your age"),
            "invalid": _("Enter your age as a whole number of years, like 42"),
            "min_value": _("Enter an age between 1 and 120"),
            "max_value": _("Enter an age between 1 and 120"),
        },
        widget=NumberInput(attrs={"autocomplete": "off", "class": "input-width-3"}),
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
            "invalid": _("Enter your height as a whole number of centimetres, like 170"),
            "min_value": _("Enter a height between 100 cm and 250 cm"),
            "max_value": _("Enter a height between 100 cm and 250 cm"),
        },
        widget=NumberInput(attrs={"class": "input-width-3"}),
    )
    weight_kg = forms.IntegerField(
        label=_("Weight in kilograms (optional)"),
        required=False,
        min_value=25,
        max_value=350,
        error_messages={
            "invalid": _("Enter your weight as a whole number of kilograms, like 70"),
            "min_value": _("Enter a weight between 25 kg and 350 kg"),
            "max_value": _("Enter a weight between 25 kg and 350 kg"),
        },
        widget=NumberInput(attrs={"class": "input-width-3"}),
    )


class PainForm(QuestionForm):
    heading = "areas"

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
            "invalid": _("Enter how bad the pain is as a whole number from 0 to 10"),
            "min_value": _("Enter a pain score between 0 and 10"),
            "max_value": _("Enter a pain score between 0 and 10"),
        },
        widget=NumberInput(attrs={"class": "input-width-2"}),
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
    heading = "flags"
    exclusive = {"flags": questions.NONE_OF_THESE}

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


def posture_image(item_code: str, value, side: str) -> str:
    """The picture for one answer. The drawings are of a right foot; a left foot is its mirror
    image (the `_left` files: the drawing mirrored, its words left readable)."""
    slug = questions.POSTURE_VALUE_SLUGS[int(value)]
    suffix = "_left" if side == "left" else ""
    return static(f"img/assessment/{item_code}_{slug}{suffix}.svg")


@cache
def posture_form(side: str, item_code: str) -> type[QuestionForm]:
    """The form of one picture question for one foot: -2..+2 or "I can't tell" (a class per
    question and foot, so that its field is made once, like the other question forms')."""
    item = next(i for i in questions.POSTURE_ITEMS if i.code == item_code)
    choices = [(str(value), label) for value, label in item.choices]
    choices.append((questions.CANT_TELL, _("I can't tell")))
    field = forms.ChoiceField(
        label=item.question,
        help_text=item.hint,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages=required(
            _("Select the picture closest to your left foot, or 'I can't tell'")
            if side == "left"
            else _("Select the picture closest to your right foot, or 'I can't tell'")
        ),
    )
    attrs = {
        item.code: field,
        "heading": item.code,
        "exclusive": {item.code: questions.CANT_TELL},
        "images": {
            item.code: {str(v): posture_image(item.code, v, side) for v, _label in item.choices}
        },
        "side": side,
        "item": item,
        "__module__": __name__,
    }
    return type(f"Posture{side.title()}{item.fpi_item}Form", (QuestionForm,), attrs)


class ActivityForm(QuestionForm):
    impact = forms.ChoiceField(
        label=_("How often do you run or do other impact sport?"),
        choices=questions.IMPACT,
        widget=forms.RadioSelect,
        error_messages=required(_("Select how often you run or do other impact sport")),
    )
    recent_training_jump = forms.ChoiceField(
        label=_("Have you recently increased how much or how hard you train?"),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(
            _("Select yes if you have recently increased how much or how hard you train")
        ),
    )
    previous_overuse_injury = forms.ChoiceField(
        label=_("Have you had an overuse injury in your feet or legs before?"),
        help_text=_("For example plantar fasciitis, shin splints or Achilles pain."),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(
            _("Select yes if you have had an overuse injury in your feet or legs before")
        ),
    )
    hypermobility = forms.ChoiceField(
        label=_("Are your joints unusually flexible (hypermobile)?"),
        choices=questions.YES_NO_NOT_SURE,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes if your joints are unusually flexible, or not sure")),
    )
    previous_orthoses = forms.ChoiceField(
        label=_("Have you worn insoles or orthotics before?"),
        choices=questions.YES_NO,
        widget=forms.RadioSelect,
        error_messages=required(_("Select yes if you have worn insoles or orthotics before")),
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


class PhotosForm(GovForm, forms.Form):
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


class SubmitForm(GovForm, forms.Form):
    contact_email = forms.EmailField(
        label=_("Email address (optional)"),
        help_text=_("We will send you a link to your result. We use it for nothing else."),
        required=False,
        error_messages={
            "invalid": _("Enter an email address in the right format, like name@example.com")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class EmailLinkForm(GovForm, forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


FPI_CHOICES = [("", _("Not scored")), *[(str(v), f"{v:+d}") for v in range(-2, 3)]]


class ReviewForm(GovForm, forms.Form):
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

    @property
    def helper(self):
        """The FPI ratings grouped per foot, each a compact row; then the decision and notes."""
        helper = super().helper
        helper.layout = Layout(
            HTML(
                format_lazy(
                    '<p class="hint">{}</p>',
                    _(
                        "Your FPI rating from the photos. Item 1 (talar head palpation) is "
                        "not scored remotely."
                    ),
                )
            ),
            *(
                Fieldset(
                    legend,
                    *(
                        Question(f"{side}_{code}", wrapper_class="fpi-row")
                        for code in scoring.POSTURE_ITEMS
                    ),
                )
                for side, legend in (
                    ("left", _("Left foot: FPI items 2-6")),
                    ("right", _("Right foot: FPI items 2-6")),
                )
            ),
            Question("decision"),
            Question("notes"),
        )
        return helper

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


class QueueFilterForm(GovForm, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any"))]
        + [c for c in Assessment.Status.choices if c[0] != Assessment.Status.DRAFT],
    )
    band = forms.ChoiceField(
        label=_("Band"), required=False, choices=[("", _("Any")), *Assessment.Band.choices]
    )
    submitted_from = DateField(
        label=_("Submitted from"),
        help_text=_("For example, 27 3 2026"),
        required=False,
        error_messages={
            "invalid": _("Enter a real 'submitted from' date, like 27 3 2026"),
            "incomplete": _("Enter the day, month and year the search starts from"),
        },
    )
    submitted_to = DateField(
        label=_("Submitted to"),
        help_text=_("For example, 27 3 2026"),
        required=False,
        error_messages={
            "invalid": _("Enter a real 'submitted to' date, like 27 3 2026"),
            "incomplete": _("Enter the day, month and year the search ends on"),
        },
    )
    q = forms.CharField(
        label=_("Search"),
        help_text=_("Assessment number, email or article"),
        required=False,
        max_length=200,
    )


class HealthDataConsentForm(GovForm, forms.Form):
    """Asked once, before the first answer is stored (see assessments.consent)."""

    agree = forms.BooleanField(
        label=HEALTH_DATA_CONSENT_TEXT,
        error_messages={
            "required": _("Select the box to agree to us storing your health information"),
        },
    )


class CalibrationFilterForm(GovForm, forms.Form):
    """Calibration for one model version, or each version with reviews (never mixed)."""

    version = forms.ChoiceField(label=_("Model version"), required=False)

    def __init__(self, *args, versions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [("", _("Every version, separately"))] + [
            (v, format_lazy(_("Version {}"), v)) for v in versions
        ]


MESSAGE_MAX_LENGTH = 5000


class ClinicMessageForm(GovForm, forms.Form):
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


class ClinicAnswerForm(GovForm, forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        help_text=_("Emailed to the person as you write it."),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Enter your answer")},
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class ClinicQuestionForm(GovForm, forms.Form):
    """A clinician's question to the customer about their assessment (emailed with a link)."""

    question = forms.CharField(
        label=_("Your question"),
        help_text=_("Emailed to the customer with a link to reply; they need not sign in."),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Enter your question")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ClinicReplyForm(GovForm, forms.Form):
    """The customer's reply to a clinician's question."""

    heading = ""
    reply = forms.CharField(
        label=_("Your reply"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages={"required": _("Enter your reply")},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
