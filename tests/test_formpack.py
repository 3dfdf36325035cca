"""The "fp" form pack (fitsperfect.formpack, templates/fp/): the GOV.UK markup every form gets."""

from __future__ import annotations

import datetime
import re

from crispy_forms.utils import render_crispy_form
from django import forms
from django.template import Context, Template

from fitsperfect.formpack import DateField, GovForm, NumberInput


class Toy(GovForm, forms.Form):
    heading = "contact"
    exclusive = {"symptoms": "none"}
    reveal = {"contact": {"phone": ["number"]}}

    contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=[("none", "Not at all"), ("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how we should contact you"},
    )
    number = forms.CharField(label="Phone number", required=False)
    symptoms = forms.MultipleChoiceField(
        label="Symptoms",
        choices=[("ache", "Ache"), ("none", "None of these")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    age = forms.IntegerField(label="Age", help_text="In years", widget=NumberInput, required=False)
    since = DateField(label="Since when?", required=False)
    size = forms.ChoiceField(label="Size", choices=[("s", "Small")], required=False)


def test_a_choice_group_is_a_fieldset_whose_legend_is_the_page_heading():
    html = render_crispy_form(Toy())
    assert '<legend class="page-legend"><h1 class="legend-heading">How should we contact' in html
    assert html.count("<h1") == 1 and html.count("<fieldset") == 3  # contact, symptoms, date


def test_or_comes_only_before_the_exclusive_option():
    html = render_crispy_form(Toy())
    assert html.count("choices-divider") == 1
    divider = html.index("choices-divider")
    assert html.index('value="ache"') < divider < html.rindex('value="none"')
    assert html.index('value="none"') < html.index("Not at all") < divider  # not before a
    # first option that merely has the value "none"


def test_a_revealed_field_sits_under_its_choice_and_shows_without_javascript():
    html = render_crispy_form(Toy())
    reveal = re.search(
        r'<div class="conditional" id="id_contact_2_reveal"[^>]*>(.*?)</div>\s*</div>', html, re.S
    )
    assert reveal and 'name="number"' in reveal.group(1)
    assert html.count('name="number"') == 1 and "hidden" not in reveal.group(0)


def test_numbers_are_text_inputs_with_a_numeric_keyboard_and_refuse_nan_and_infinity():
    html = render_crispy_form(Toy())
    age = re.search(r"<input[^>]*name=\"age\"[^>]*>", html).group(0)
    assert 'type="text"' in age and 'inputmode="numeric"' in age
    assert 'aria-describedby="id_age_hint"' in age
    for wrong in ("nan", "inf", "-inf", "1e3", "4.5"):
        form = Toy(data={"contact": "email", "age": wrong})
        assert not form.is_valid() and "age" in form.errors, wrong


def test_a_date_is_day_month_and_year_each_labelled():
    html = render_crispy_form(Toy())
    for part, label in ((0, "Day"), (1, "Month"), (2, "Year")):
        assert f'<label for="id_since_{part}">{label}</label>' in html
        assert re.search(
            rf'<input[^>]*inputmode="numeric"[^>]*id="id_since_{part}"', html
        ) or re.search(rf'<input[^>]*id="id_since_{part}"[^>]*inputmode="numeric"', html)
    form = Toy(data={"contact": "email", "since_0": "27", "since_1": "3", "since_2": "2026"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["since"] == datetime.date(2026, 3, 27)
    for parts, message in (
        (("31", "2", "2026"), "Enter a real date"),
        (("", "2", "2026"), "Enter a day, a month and a year"),
    ):
        data = {"contact": "email", **{f"since_{i}": v for i, v in enumerate(parts)}}
        form = Toy(data=data)
        assert not form.is_valid() and message in str(form.errors["since"])


def test_errors_are_tied_to_their_field_and_listed_in_a_summary_that_links_to_it():
    form = Toy(data={"size": "xl"})
    assert not form.is_valid()
    html = render_crispy_form(form)
    assert 'id="id_contact_error"' in html and "Select how we should contact you" in html
    assert 'aria-describedby="id_contact_error"' in html
    summary = Template("{% load fp_forms %}{% error_summary form %}").render(
        Context({"form": form})
    )
    assert '<a href="#id_contact_0">Select how we should contact you</a>' in summary
    assert '<a href="#id_size">Select size from the options shown</a>' in summary
    assert "Select a valid choice" not in summary
