"""The question forms share their field objects between instances (assessments/forms.py,
`QuestionForm`): nothing a request does to a form may change them for the next request."""

from __future__ import annotations

import copy

import pytest
from crispy_forms.utils import render_crispy_form

from assessments import forms
from assessments.tests.steps import STEP_DATA

QUESTION_FORMS = {
    "about-you": forms.AboutForm,
    "your-pain": forms.PainForm,
    "health-check": forms.RedFlagForm,
    "left-foot": forms.posture_form("left", "heel_tilt"),
    "activity": forms.ActivityForm,
}

INVALID = {
    "about-you": {"age": "abc", "sex": "nonsense", "height_cm": "9999"},
    "your-pain": {"areas": ["hip", "none"], "pain_score": "eleven"},
    "health-check": {"flags": ["none", "red_hot_swollen_foot"]},
    "left-foot": {"heel_tilt": "7"},
    "activity": {"impact": "daily-marathons"},
}


def make(form_class, **kwargs):
    return form_class(**kwargs)


def snapshot(form) -> list:
    """What a request could change on a field object, per field."""
    return [
        (
            name,
            str(field.label),
            field.required,
            field.initial,
            str(field.help_text),
            copy.copy(field.widget.attrs),
            sorted((key, str(value)) for key, value in field.error_messages.items()),
            [(value, str(label)) for value, label in getattr(field, "choices", [])],
            list(field.validators),
        )
        for name, field in form.fields.items()
    ]


@pytest.mark.parametrize("slug", list(QUESTION_FORMS))
def test_answering_and_showing_a_form_leaves_its_shared_fields_as_they_were(slug):
    form_class = QUESTION_FORMS[slug]
    before = snapshot(make(form_class))
    invalid = make(form_class, data=INVALID[slug])
    assert not invalid.is_valid()
    html = render_crispy_form(invalid)
    assert 'class="error-message"' in html  # the errors were shown through the form pack
    data = STEP_DATA[slug]
    valid = make(form_class, data={k: v for k, v in data.items() if k in valid_fields(form_class)})
    assert valid.is_valid(), valid.errors
    shown = make(form_class, initial=valid.cleaned_data)
    render_crispy_form(shown)
    assert snapshot(make(form_class)) == before


def test_instances_share_the_field_objects_but_not_the_dict_of_fields():
    first, second = forms.AboutForm(), forms.AboutForm(data=STEP_DATA["about-you"])
    assert first.fields["age"] is second.fields["age"]
    del first.fields["age"]
    assert "age" in second.fields and "age" in forms.AboutForm.base_fields


def valid_fields(form_class):
    return set(form_class.base_fields)
