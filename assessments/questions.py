"""The questionnaire's vocabulary: steps, choices and the mapping from stored answers to the model.

Kept apart from forms and views so services, templates and tests share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import scoring

PAIN_AREAS = [
    ("heel", _("Heel")),
    ("arch", _("Arch or sole of the foot")),
    ("ankle", _("Ankle")),
    ("shin", _("Shin")),
    ("knee", _("Knee")),
    ("hip", _("Hip or outer thigh")),
    ("lower_back", _("Lower back")),
]
PAIN_AREA_CODES = {code for code, _label in PAIN_AREAS}

SYMPTOMS = [
    ("first_step_heel_pain", _("Heel pain with the first steps in the morning")),
    (
        "inner_shin_pain_with_activity",
        _("Pain along the inside of the shin during or after activity"),
    ),
    ("knee_pain_stairs_or_squatting", _("Knee pain on stairs or when squatting")),
    ("outer_hip_pain_lying_on_side", _("Pain on the outside of the hip when lying on that side")),
]

DURATIONS = [
    ("under_6_weeks", _("Less than 6 weeks")),
    ("6_weeks_to_3_months", _("6 weeks to 3 months")),
    ("3_to_12_months", _("3 to 12 months")),
    ("over_a_year", _("More than a year")),
]

SEXES = [
    ("female", _("Female")),
    ("male", _("Male")),
    ("other", _("Another way")),
    ("not_said", _("Prefer not to say")),
]

RED_FLAG_CHOICES = [
    ("diabetic_foot_wound", _("I have diabetes and a wound or ulcer on my foot")),
    ("red_hot_swollen_foot", _("My foot is red, hot and swollen")),
    ("previous_ulcer_or_amputation", _("I have had a foot ulcer or an amputation")),
    (
        "nerve_symptoms",
        _("Numbness, pins and needles, burning, or electric-shock pain in my feet or legs"),
    ),
    ("rest_or_night_pain", _("Pain when resting or pain that wakes me at night")),
    (
        "injury_cannot_bear_weight",
        _("A recent injury or fall, and now I cannot put weight on the leg"),
    ),
    ("swelling_or_deformity", _("Swelling, or a change in the shape of my foot or ankle")),
    ("systemic_symptoms", _("Fever, night sweats or weight loss I cannot explain")),
    ("cancer_history", _("I have had cancer")),
    (
        "new_one_sided_arch_collapse",
        _("One arch has recently flattened, with pain on the inside of that ankle"),
    ),
]
NONE_OF_THESE = "none"

IMPACT = [
    ("none", _("Rarely or never")),
    ("one_or_two", _("1 or 2 times a week")),
    ("three_plus", _("3 or more times a week")),
]
IMPACT_SESSIONS = {"none": 0, "one_or_two": 2, "three_plus": 3}
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
YES_NO_NOT_SURE = [("yes", _("Yes")), ("no", _("No")), ("not_sure", _("Not sure"))]
SHOES = [
    ("trainers", _("Trainers or other sports shoes")),
    ("everyday", _("Everyday casual shoes")),
    ("slim", _("Slim or smart shoes (work or dress shoes)")),
    ("boots", _("Work boots or safety shoes")),
]

CANT_TELL = "cant_tell"


@dataclass(frozen=True)
class PostureItem:
    code: str
    fpi_item: int
    question: str
    hint: str
    choices: tuple[tuple[int, str], ...]  # (value, plain description), -2 .. +2


POSTURE_ITEMS: tuple[PostureItem, ...] = (
    PostureItem(
        "ankle_curves",
        2,
        _("The curves above and below the outer ankle bone"),
        _(
            "Look at the outside of the ankle from behind. Compare the curve just above the ankle bone with the curve just below it."
        ),
        (
            (-2, _("The curve below is straight or bulges outwards")),
            (-1, _("The curve below is shallower than the curve above")),
            (0, _("Both curves are about the same")),
            (1, _("The curve below is deeper than the curve above")),
            (2, _("The curve below is much deeper than the curve above")),
        ),
    ),
    PostureItem(
        "heel_tilt",
        3,
        _("The tilt of the heel, seen from behind"),
        _("Look at the back of the heel while standing relaxed."),
        (
            (-2, _("The heel clearly tilts in, with weight on its outer edge")),
            (-1, _("The heel tilts in a little")),
            (0, _("The heel is upright")),
            (1, _("The heel tilts out a little")),
            (2, _("The heel clearly tilts out, with weight rolling onto its inner edge")),
        ),
    ),
    PostureItem(
        "midfoot_bulge",
        4,
        _("The inner side of the midfoot, in front of the ankle"),
        _("Look at the inner side of the foot, just in front of and below the ankle bone."),
        (
            (-2, _("It dips in clearly")),
            (-1, _("It dips in a little")),
            (0, _("It is flat")),
            (1, _("It bulges a little")),
            (2, _("It bulges clearly")),
        ),
    ),
    PostureItem(
        "arch_height",
        5,
        _("The height of the inner arch"),
        _("Look at the inner arch from the side while standing."),
        (
            (-2, _("A very high arch, steep at the back")),
            (-1, _("A fairly high arch")),
            (0, _("A medium arch with an even curve")),
            (1, _("A low arch, flatter in the middle")),
            (2, _("A very low arch that nearly touches the floor")),
        ),
    ),
    PostureItem(
        "toes_from_behind",
        6,
        _("Toes seen from behind"),
        _(
            "Stand behind the foot, level with the heel, and count the toes you can see on each side."
        ),
        (
            (-2, _("Only toes on the inner side show")),
            (-1, _("More toes show on the inner side than the outer side")),
            (0, _("About the same on each side")),
            (1, _("A few more toes show on the outer side")),
            (2, _("Many toes show on the outer side and none on the inner side")),
        ),
    ),
)
assert tuple(item.code for item in POSTURE_ITEMS) == scoring.POSTURE_ITEMS  # noqa: S101


@dataclass(frozen=True)
class Step:
    slug: str
    key: str  # where its answers live in Assessment.answers
    title: str


STEPS: tuple[Step, ...] = (
    Step("about-you", "about", _("About you")),
    Step("your-pain", "pain", _("Where it hurts")),
    Step("health-check", "red_flags", _("Health check")),
    Step("left-foot", "left", _("Your left foot")),
    Step("right-foot", "right", _("Your right foot")),
    Step("activity", "activity", _("Activity and history")),
    Step("photos", "photos", _("Photos (optional)")),
)
STEP_BY_SLUG = {step.slug: step for step in STEPS}


def step_number(slug: str) -> int:
    return [step.slug for step in STEPS].index(slug) + 1


def first_incomplete_step(answers: dict) -> Step | None:
    for step in STEPS:
        if step.key not in answers:
            return step
    return None


def _int_or_none(value) -> int | None:
    if value in (None, "", CANT_TELL):
        return None
    return int(value)


def _number_or_none(value) -> float | None:
    return None if value in (None, "") else float(value)


def to_model_answers(answers: dict) -> scoring.Answers:
    """Map stored item-level answers onto the scoring model's input."""
    about = answers.get("about", {})
    pain = answers.get("pain", {})
    activity = answers.get("activity", {})
    flags = answers.get("red_flags", {}).get("flags", [])
    return scoring.Answers(
        left={
            item: _int_or_none(answers.get("left", {}).get(item)) for item in scoring.POSTURE_ITEMS
        },
        right={
            item: _int_or_none(answers.get("right", {}).get(item)) for item in scoring.POSTURE_ITEMS
        },
        red_flags=frozenset(flag for flag in flags if flag != NONE_OF_THESE),
        age=_int_or_none(about.get("age")),
        sex=about.get("sex", "") if about.get("sex") != "not_said" else "",
        height_cm=_number_or_none(about.get("height_cm")),
        weight_kg=_number_or_none(about.get("weight_kg")),
        pain_areas=frozenset(pain.get("areas", [])),
        symptoms=frozenset(pain.get("symptoms", [])),
        previous_overuse_injury=activity.get("previous_overuse_injury") == "yes",
        impact_sessions_per_week=IMPACT_SESSIONS.get(activity.get("impact", "none"), 0),
        recent_training_jump=activity.get("recent_training_jump") == "yes",
        hypermobility=activity.get("hypermobility") == "yes",
        pain_score=_int_or_none(pain.get("pain_score")),
    )


KNEE_OR_HIP_AREAS = frozenset({"knee", "hip"})
KNEE_OR_HIP_SYMPTOMS = frozenset({"knee_pain_stairs_or_squatting", "outer_hip_pain_lying_on_side"})


def knee_or_hip_pain(answers: dict) -> bool:
    """Whether the knee-and-hip explanation is about this person's pain (v2 result page)."""
    pain = answers.get("pain", {})
    return bool(
        KNEE_OR_HIP_AREAS & set(pain.get("areas", []))
        or KNEE_OR_HIP_SYMPTOMS & set(pain.get("symptoms", []))
    )


PRODUCT_SPORT = "sport"
PRODUCT_DRESS = "dress"
PRODUCT_EVERYDAY = "everyday"


def suggest_product(answers: dict, result: scoring.Result | scoring.ResultV2) -> str:
    """Which custom orthotic fits how they live: none when a red flag sent them to a clinician,
    and (v2) none without a band or for load factors alone."""
    if result.referred:
        return ""
    if isinstance(result, scoring.ResultV2) and not result.offers_product:
        return ""
    activity = answers.get("activity", {})
    if activity.get("impact") == "three_plus" or activity.get("recent_training_jump") == "yes":
        return PRODUCT_SPORT
    if activity.get("shoes") == "slim":
        return PRODUCT_DRESS
    return PRODUCT_EVERYDAY


PRODUCT_NAMES = {
    PRODUCT_SPORT: _("Sport"),
    PRODUCT_DRESS: _("Dress (slim)"),
    PRODUCT_EVERYDAY: _("Everyday"),
}
# What each foot type asks of the orthotic (v2 result wording; "mixed": the feet differ).
FOOT_TYPE_NEEDS = {
    scoring.FOOT_TYPE_PRONATED: _("shaped to limit how far your foot rolls in"),
    scoring.FOOT_TYPE_SUPINATED: _("with cushioning for high-arched, rigid feet"),
    scoring.FOOT_TYPE_TYPICAL: _("shaped from your scan to support your feet"),
    scoring.FOOT_TYPE_MIXED: _("shaped to each foot, as your feet differ"),
}


def product_reason(*, slug: str, answers: dict, foot_type: str) -> str:
    """Why this product, in one sentence: the activity, the shoes, the foot type."""
    activity = answers.get("activity", {})
    reasons = []
    if activity.get("impact") == "three_plus":
        reasons.append(_("you run or do impact sport 3 or more times a week"))
    elif activity.get("recent_training_jump") == "yes":
        reasons.append(_("you have recently stepped up your training"))
    shoes = dict(SHOES).get(activity.get("shoes"))
    if shoes:
        reasons.append(_("you wear %(shoes)s most days") % {"shoes": str(shoes).lower()})
    because = _(" and ").join(str(reason) for reason in reasons) or _("it suits everyday shoes")
    need = FOOT_TYPE_NEEDS.get(foot_type, FOOT_TYPE_NEEDS[scoring.FOOT_TYPE_TYPICAL])
    return _("We suggest the %(product)s orthotic because %(because)s, %(need)s.") % {
        "product": PRODUCT_NAMES.get(slug, slug),
        "because": because,
        "need": need,
    }


class AnswersDocumentInvalid(ValueError):
    """An answers document (the JSON the session stores) that cannot be scored as it is."""


ANSWER_KEYS = tuple(step.key for step in STEPS)


def _codes(value, known: set[str], where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise AnswersDocumentInvalid(f"{where} must be a list of codes")
    unknown = sorted(set(value) - known)
    if unknown:
        raise AnswersDocumentInvalid(
            f"{where}: unknown code(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return value


def _number(value, where: str, *, whole: bool = False) -> None:
    if value in (None, ""):
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AnswersDocumentInvalid(f"{where} must be a number, got {value!r}") from None
    if whole and number != int(number):
        raise AnswersDocumentInvalid(f"{where} must be a whole number, got {value!r}")


def check_answers_document(document) -> dict:
    """Check a whole answers document strictly (for audits: a mistyped code must not be
    ignored, a mistyped red flag least of all). Returns it unchanged, or raises
    `AnswersDocumentInvalid` naming the first problem."""
    if not isinstance(document, dict):
        raise AnswersDocumentInvalid("The answers document must be a JSON object.")
    unknown = sorted(set(document) - set(ANSWER_KEYS))
    if unknown:
        raise AnswersDocumentInvalid(
            f"Unknown key(s) {', '.join(unknown)}; known: {', '.join(ANSWER_KEYS)}"
        )
    for key in ANSWER_KEYS:
        if not isinstance(document.get(key, {}), dict):
            raise AnswersDocumentInvalid(f"{key!r} must be an object")
    about = document.get("about", {})
    _number(about.get("age"), "about.age", whole=True)
    _number(about.get("height_cm"), "about.height_cm")
    _number(about.get("weight_kg"), "about.weight_kg")
    if about.get("sex", "") not in {"", *(code for code, _label in SEXES)}:
        raise AnswersDocumentInvalid(f"about.sex: unknown code {about['sex']!r}")
    pain = document.get("pain", {})
    _codes(pain.get("areas", []), PAIN_AREA_CODES, "pain.areas")
    _codes(pain.get("symptoms", []), {code for code, _label in SYMPTOMS}, "pain.symptoms")
    _number(pain.get("pain_score"), "pain.pain_score", whole=True)
    flags = {code for code, _label in RED_FLAG_CHOICES} | {NONE_OF_THESE}
    _codes(document.get("red_flags", {}).get("flags", []), flags, "red_flags.flags")
    for side in ("left", "right"):
        items = document.get(side, {})
        _codes(list(items), set(scoring.POSTURE_ITEMS), f"{side} items")
        for item, value in items.items():
            if value in (None, "", CANT_TELL):
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number is None or str(number) != str(value).lstrip("+") or not -2 <= number <= 2:
                raise AnswersDocumentInvalid(
                    f"{side}.{item} must be -2..2 or {CANT_TELL!r}, got {value!r}"
                )
    impact = document.get("activity", {}).get("impact", "none")
    if impact not in IMPACT_SESSIONS:
        raise AnswersDocumentInvalid(f"activity.impact: unknown code {impact!r}")
    return document
