"""Template helpers of the "fp" form pack (fitsperfect.formpack; templates under templates/fp/)."""

from __future__ import annotations

from django import forms, template
from django.template.loader import render_to_string

register = template.Library()


@register.filter
def fp_kind(bound_field) -> str:
    """How the pack lays a field out: "checkbox" (one box), "choices" (a radio or checkbox
    group in a fieldset), "date" (day, month, year in a fieldset), "hidden" or "input"."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.MultiWidget):
        return "date"
    if getattr(widget, "input_type", "") in ("radio", "checkbox"):
        return "choices"
    return "input"


@register.filter
def fp_anchor(bound_field) -> str:
    """The id an error-summary link focuses: the first option of a group, the day of a date."""
    if fp_kind(bound_field) in ("choices", "date"):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


@register.filter
def fp_described(bound_field) -> str:
    """aria-describedby for a field's hint and error message."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_hint")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    return " ".join(ids)


@register.filter
def fp_widget(bound_field):
    """The input, tied to its hint and error message, marked invalid when it has an error."""
    attrs = {}
    described = fp_described(bound_field)
    if described:
        attrs["aria-describedby"] = described
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        attrs["class"] = " ".join(
            c for c in (bound_field.field.widget.attrs.get("class", ""), "is-invalid") if c
        )
    return bound_field.as_widget(attrs=attrs)


@register.filter
def fp_get(mapping, key):
    return (mapping or {}).get(str(key), (mapping or {}).get(key))


@register.simple_tag
def error_summary(*forms_):
    """The GOV.UK error summary for one or more forms: each error links to its field."""
    errors = []
    for form in forms_:
        if form is None or not form.errors:
            continue
        errors += [(None, error) for error in form.non_field_errors()]
        for field in form:
            errors += [(fp_anchor(field), error) for error in field.errors]
        errors += [
            (None, error)
            for name in form.errors
            if name != "__all__" and name not in form.fields
            for error in form.errors[name]
        ]
    return render_to_string("fp/error_summary.html", {"errors": errors})


@register.filter
def fp_has_errors(*forms_) -> bool:
    return any(form is not None and form.errors for form in forms_)


@register.filter
def fp_field(form, name):
    """form[name], for fields revealed under a choice."""
    return form[name]
