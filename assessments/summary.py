"""Check-your-answers rows: each stored answer in plain words, grouped by step, with its change link.

Shared by the person's "check your answers" page and the clinician's assessment page.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from . import questions, scoring


def signed(value) -> str:
    """+1, -2, 0: posture answers as people see them on the scale."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:+d}" if number else "0"


def _labels(choices) -> dict:
    return {str(code): label for code, label in choices}


def _join(values, choices) -> str:
    labels = _labels(choices)
    return ", ".join(str(labels.get(v, v)) for v in values) if values else _("None")


def answer_rows(answers: dict) -> list[dict]:
    """Sections of (question, answer, change link, anchor) rows, for check-your-answers: each
    answer's link goes to the page that asks it (a foot's five pictures have a page each)."""
    about = answers.get("about", {})
    pain = answers.get("pain", {})
    flags = answers.get("red_flags", {}).get("flags", [])
    activity = answers.get("activity", {})

    def step_url(slug):
        return reverse("assessments:step", kwargs={"slug": slug}) + "?change=1"

    def optional(value, unit=""):
        return f"{value} {unit}".strip() if value not in (None, "") else _("Not given")

    sections = [
        {
            "title": _("About you"),
            "url": step_url("about-you"),
            "rows": [
                (_("Age"), optional(about.get("age"))),
                (_("Sex"), _labels(questions.SEXES).get(about.get("sex"), "")),
                (_("Height"), optional(about.get("height_cm"), "cm")),
                (_("Weight"), optional(about.get("weight_kg"), "kg")),
                (  # worked out from height and weight: changed through them, no link of its own
                    _("Body mass index"),
                    optional(scoring.bmi(about.get("height_cm"), about.get("weight_kg"))),
                    "",
                    "",
                ),
            ],
        },
        {
            "title": _("Where it hurts"),
            "url": step_url("your-pain"),
            "rows": [
                (_("Where"), _join(pain.get("areas"), questions.PAIN_AREAS)),
                (
                    _("For how long"),
                    _labels(questions.DURATIONS).get(pain.get("duration"), _("Not given")),
                ),
                (_("Pain at its worst (0-10)"), optional(pain.get("pain_score"))),
                (_("Symptoms"), _join(pain.get("symptoms"), questions.SYMPTOMS)),
                (_("What makes it worse"), optional(pain.get("aggravates"))),
            ],
        },
        {
            "title": _("Health check"),
            "url": step_url("health-check"),
            "rows": [
                (
                    _("Any of these"),
                    _join(
                        flags,
                        [
                            *questions.RED_FLAG_CHOICES,
                            (questions.NONE_OF_THESE, _("None of these")),
                        ],
                    ),
                )
            ],
        },
    ]
    for side, slug, title in (
        ("left", "left-foot", _("Your left foot")),
        ("right", "right-foot", _("Your right foot")),
    ):
        rows = []
        for item in questions.POSTURE_ITEMS:
            value = answers.get(side, {}).get(item.code)
            if value in (None, "", questions.CANT_TELL):
                text = _("I can't tell")
            else:
                text = f"{_labels(item.choices).get(str(value), value)} ({signed(value)})"
            page = questions.page_for(slug, item.code)
            rows.append((item.question, text, step_url(page.slug), page.slug))
        sections.append({"title": title, "url": step_url(slug), "slug": slug, "rows": rows})
    sections.append(
        {
            "title": _("Activity and history"),
            "url": step_url("activity"),
            "rows": [
                (_("Impact sport"), _labels(questions.IMPACT).get(activity.get("impact"), "")),
                (
                    _("Recent increase in training"),
                    _labels(questions.YES_NO).get(activity.get("recent_training_jump"), ""),
                ),
                (
                    _("Previous overuse injury"),
                    _labels(questions.YES_NO).get(activity.get("previous_overuse_injury"), ""),
                ),
                (
                    _("Flexible joints"),
                    _labels(questions.YES_NO_NOT_SURE).get(activity.get("hypermobility"), ""),
                ),
                (
                    _("Insoles or orthotics before"),
                    _labels(questions.YES_NO).get(activity.get("previous_orthoses"), ""),
                ),
                (_("Shoes most days"), _labels(questions.SHOES).get(activity.get("shoes"), "")),
                (_("Other conditions"), optional(activity.get("conditions"))),
            ],
        }
    )
    for section in sections:
        section.setdefault("slug", section["url"].split("/")[-2])
        section["rows"] = [
            row if len(row) == 4 else (*row, section["url"], "") for row in section["rows"]
        ]
    return sections
