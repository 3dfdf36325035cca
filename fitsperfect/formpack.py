"""The site's crispy-forms template pack ("fp", templates/fp/): GOV.UK question-page markup.

crispy-forms-gds was considered and not used: its last release (2.0.1) requires
django-crispy-forms < 2.4 (we run 2.7), lists no Django 5.2 support, and emits govuk-* classes
that only GOV.UK Frontend's CSS styles. The pack instead emits the class names static/css/site.css
already styles, so the site keeps its look.

A form opts in with `GovForm` (below): `{% crispy form %}` then renders each field as a
`Question` (label or legend, hint, error message, the input tied to both), the error summary
comes from `{% error_summary form %}` (fitsperfect.templatetags.fp_forms), and the form tag,
CSRF token and buttons stay in the page. Forms without `GovForm` may use `|crispy`.
"""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.utils.translation import gettext_lazy as _

PACK = "fp"


class Question(Field):
    """One field as a GOV.UK question.

    heading: its label (or legend) is the page's h1.
    exclusive: the value of a "none" option that excludes the others; an "or" divider goes
    before it, and only before it.
    images: {choice value: image URL} for a picture choice.
    reveal: {choice value: [field names]}: fields shown under that choice (a conditional reveal;
    always shown, so it works without JavaScript; marked `data-reveal-for` for a script that
    may hide it until the choice is picked; none does yet).
    """

    def __init__(self, name, *, heading=False, exclusive=None, images=None, reveal=None, **kw):
        super().__init__(name, **kw)
        self.extra = {
            "as_heading": heading,
            "exclusive": exclusive,
            "images": images or {},
            "reveal": reveal or {},
        }

    def render(self, form, context, template_pack=TEMPLATE_PACK, extra_context=None, **kwargs):
        extra = {**(extra_context or {}), **self.extra}
        return super().render(form, context, template_pack, extra_context=extra, **kwargs)


class GovForm:
    """Mixin: a FormHelper for the pack, with the form tag and buttons left to the page.

    Class attributes say what differs per form: `heading` (the field whose label is the page
    heading), `exclusive` ({field: value of its exclusive "none" option}), `images`
    ({field: {value: URL}}) and `reveal` ({field: {value: [fields]}}).
    """

    heading: str = ""
    exclusive: dict = {}
    images: dict = {}
    reveal: dict = {}

    def add_error(self, field, error):
        """Django's generic messages ("Select a valid choice. x is not one of the available
        choices.", "Ensure this value has at most 500 characters (it has 600).") name no field:
        replaced here by messages that do, unless the field has its own."""
        if (
            field in getattr(self, "fields", {})
            and isinstance(error, forms.ValidationError)
            and not hasattr(error, "error_dict")
        ):
            error = forms.ValidationError([self._named(field, item) for item in error.error_list])
        super().add_error(field, error)

    def _named(self, name: str, error: forms.ValidationError) -> forms.ValidationError:
        field = self.fields[name]
        label = str(field.label or name).rstrip("?").removesuffix(" (optional)")
        if error.code == "invalid_choice" and str(field.error_messages["invalid_choice"]) == str(
            forms.ChoiceField.default_error_messages["invalid_choice"]
        ):
            required = str(field.error_messages.get("required", ""))
            if field.required and required != str(forms.Field.default_error_messages["required"]):
                return forms.ValidationError(required, code="invalid_choice")
            if label[1:2].islower():  # "Status" -> "status"; "FPI 3" stays
                label = label[:1].lower() + label[1:]
            message = _("Select %(label)s from the options shown") % {"label": label}
            return forms.ValidationError(message, code="invalid_choice")
        if error.code == "max_length" and "max_length" not in field.error_messages:
            message = _("%(label)s must be %(limit)s characters or fewer") % {
                "label": label,
                "limit": error.params["limit_value"],
            }
            return forms.ValidationError(message, code="max_length")
        return error

    @property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.template_pack = PACK
        revealed = {
            name
            for by_value in self.reveal.values()
            for names in by_value.values()
            for name in names
        }
        helper.layout = Layout(
            *(
                Question(
                    name,
                    heading=name == self.heading,
                    exclusive=self.exclusive.get(name),
                    images=self.images.get(name),
                    reveal=self.reveal.get(name),
                )
                for name in self.fields
                if name not in revealed
            )
        )
        return helper


class NumberInput(forms.TextInput):
    """GOV.UK asks for numbers in a text input with a numeric keyboard: browsers change or drop
    what is typed into type=number. The field validates (IntegerField refuses NaN and inf)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "spellcheck": "false", **(attrs or {})})


class DateInput(forms.MultiWidget):
    """A date as day, month and year, each a short numeric text input with its own label
    (GOV.UK date input; the field's label is the fieldset's legend)."""

    template_name = "fp/widgets/date.html"  # fitsperfect/templates: the form renderer's path

    def __init__(self, attrs=None):
        box = {"inputmode": "numeric", "class": "input-width-2", **(attrs or {})}
        super().__init__(
            [
                forms.TextInput(box),
                forms.TextInput(box),
                forms.TextInput({**box, "class": "input-width-4"}),
            ]
        )

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A day/month/year date; its errors say which part to fix."""

    widget = DateInput
    default_error_messages = {
        "invalid": _("Enter a real date, like 27 3 2026"),
        "incomplete": _("Enter a day, a month and a year"),
    }

    def __init__(self, **kwargs):
        part = forms.IntegerField(required=False)
        super().__init__(fields=[part, part, part], require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or all(value in (None, "") for value in data_list):
            return None
        if any(value in (None, "") for value in data_list):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        day, month, year = data_list
        try:
            return datetime.date(year, month, day)
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
