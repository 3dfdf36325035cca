"""Template helpers for the questionnaire: field kinds, answer summaries, plain-words labels."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import forms, template
from django.templatetags.static import static
from django.utils.translation import gettext_lazy

from .. import questions, scoring

register = template.Library()

POSTURE_BAND_WORDS = {
    "supinated": gettext_lazy("towards supinated (high-arched, rolling out)"),
    "typical": gettext_lazy("typical"),
    "pronated": gettext_lazy("pronated (rolling in)"),
    "highly_pronated": gettext_lazy("highly pronated (rolling in a lot)"),
    "not_enough_information": gettext_lazy("not enough information"),
    # Only v2 results have it; shown here for pages that list either version (clinic).
    "highly_supinated": gettext_lazy("highly supinated (high-arched, rolling out a lot)"),
}
# Version 2's own words: supinated feet are named as such, never "towards" anything.
POSTURE_BAND_WORDS_V2 = {
    "highly_supinated": gettext_lazy("highly supinated (high-arched, rigid, rolling out a lot)"),
    "supinated": gettext_lazy("supinated (high-arched, rolling out)"),
    "typical": gettext_lazy("typical"),
    "pronated": gettext_lazy("pronated (rolling in)"),
    "highly_pronated": gettext_lazy("highly pronated (rolling in a lot)"),
}
LOAD_FACTOR_WORDS = {
    "bmi_30_or_more": gettext_lazy("Body mass index of 30 or more"),
    "bmi_27_to_30": gettext_lazy("Body mass index between 27 and 30"),
    "previous_overuse_injury": gettext_lazy("A previous overuse injury"),
    "impact_or_training_jump": gettext_lazy(
        "Running or impact sport 3 or more times a week, or a recent jump in training"
    ),
    "female_shin_or_hip": gettext_lazy("Shin or outer-hip pain in women"),
    "hypermobility": gettext_lazy("Flexible (hypermobile) joints"),
}
RED_FLAG_WORDS = dict(questions.RED_FLAG_CHOICES) | {
    "under_18": gettext_lazy("Under 18: children's feet are still developing")
}
ITEM_BY_CODE = {item.code: item for item in questions.POSTURE_ITEMS}
VALUE_SLUG = {-2: "m2", -1: "m1", 0: "0", 1: "p1", 2: "p2"}


@register.filter
def is_choice_group(bound_field) -> bool:
    """Radio and checkbox groups get a fieldset and legend; everything else (a single
    checkbox included) a label."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return False
    return getattr(widget, "input_type", "") in ("radio", "checkbox")


@register.filter
def anchor(bound_field) -> str:
    """The id an error-summary link should focus: the first option of a group."""
    if is_choice_group(bound_field):
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id


@register.simple_tag
def posture_image(item_code: str, value) -> str:
    try:
        slug = VALUE_SLUG[int(value)]
    except (TypeError, ValueError, KeyError):
        return ""
    return static(f"img/assessment/{item_code}_{slug}.svg")


@register.filter
def posture_band_words(code) -> str:
    return POSTURE_BAND_WORDS.get(code or "", "")


@register.filter
def posture_band_words_v2(code) -> str:
    return POSTURE_BAND_WORDS_V2.get(code or "", gettext_lazy("not enough information"))


@register.filter
def load_factor_words(code) -> str:
    return LOAD_FACTOR_WORDS.get(code, code)


@register.filter
def red_flag_words(code) -> str:
    return RED_FLAG_WORDS.get(code, code)


@register.filter
def item_question(code) -> str:
    item = ITEM_BY_CODE.get(code)
    return item.question if item else code


@register.filter
def signed(value) -> str:
    if value is None or value == "":
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = (
        f"{number:+.1f}".rstrip("0").rstrip(".") if number != int(number) else f"{int(number):+d}"
    )
    return text.replace("+0", "0") if number == 0 else text


def _one_decimal(value: float) -> Decimal:
    """Half away from zero, so a left foot and its mirror image read the same."""
    magnitude = abs(Decimal(str(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return -magnitude if value < 0 else magnitude


@register.filter
def signed_decimal(value) -> str:
    """+7.5, -1.7, 0: an unrounded v2 figure rounded for display only, to one decimal."""
    if value is None or value == "":
        return "–"
    try:
        number = _one_decimal(float(value))
    except (TypeError, ValueError):
        return str(value)
    return "0" if number == 0 else f"{number:+}"


@register.simple_tag
def scale_cells_v2(score):
    """The v2 scale: 21 cells coloured by the v2 band of their value. The marker sits on the
    nearest whole point in the foot's own band (+7.5 is pronated: on +7, not on +8)."""
    css = {
        scoring.POSTURE_HIGHLY_SUPINATED: "scale-highly-supinated",
        scoring.POSTURE_SUPINATED: "scale-supinated",
        scoring.POSTURE_TYPICAL: "scale-typical",
        scoring.POSTURE_PRONATED: "scale-pronated",
        scoring.POSTURE_HIGHLY_PRONATED: "scale-highly",
    }
    marker = None
    if score is not None:
        score = float(score)
        marker = int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if scoring.posture_band_v2(marker) != scoring.posture_band_v2(score):
            marker += 1 if marker < score else -1
    return [
        {"value": v, "css": css[scoring.posture_band_v2(v)], "current": v == marker}
        for v in range(-10, 11)
    ]


@register.simple_tag
def scale_cells(score):
    """21 cells from -10 to +10 for a CSS-only visual scale (no inline styles under our CSP)."""
    return [{"value": v, "current": score is not None and v == score} for v in range(-10, 11)]


@register.filter
def described(bound_field):
    """Render a single input tied to its hint and error message for screen readers."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if bound_field.errors:
        attrs["class"] = "is-invalid"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def fpi_fields(form, side: str):
    return form.fpi_fields(side)


@register.filter
def fpi_total(review, side: str):
    """The clinician's rating rescaled like the self-score (None below 3 scored items)."""
    return scoring.foot_score(side, review.fpi_items(side)).score


ARCH_WORDS = {
    "flat": gettext_lazy("flat-foot range"),
    "typical": gettext_lazy("typical range"),
    "high_arch": gettext_lazy("high-arch range"),
}
AGREEMENT_WORDS = {
    "supports": gettext_lazy("supports the self-score"),
    "conflicts": gettext_lazy("conflicts with the self-score"),
    "neutral": gettext_lazy("neutral"),
}


@register.filter
def band_words(code) -> str:
    from ..models import Assessment

    if code == "referred":
        return str(gettext_lazy("Referred (red flag)"))
    return str(dict(Assessment.Band.choices).get(code, code))


@register.filter
def decision_words(code) -> str:
    from ..models import Assessment

    return str(dict(Assessment.Decision.choices).get(code, code))


@register.filter
def arch_words(code) -> str:
    return str(ARCH_WORDS.get(code, code))


@register.filter
def agreement_words(code) -> str:
    return str(AGREEMENT_WORDS.get(code, code))
