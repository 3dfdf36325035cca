"""The self-report foot model, versions 1 and 2 (see ../shared/reference/assessment-model.md).

Pure functions, no Django: answers in, an explainable result out. Every stored assessment records
its model version and its item-level answers, so a result can be re-scored when the model changes
and an old result is still explained by the version that produced it. New assessments use
`MODEL_VERSION` ("2"); `score` is version 1, kept as it was; `score_v2` is version 2.

Two separate outputs: a posture score A per foot (five picture items mirroring FPI-6 items 2-6,
each -2..+2, rescaled to -10..+10 over the answered items) and a load score B (heuristic points).
Any red flag gates everything: no score, no band, no product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MODEL_VERSION_V1 = "1"
MODEL_VERSION_V2 = "2"
MODEL_VERSIONS = (MODEL_VERSION_V1, MODEL_VERSION_V2)
MODEL_VERSION = MODEL_VERSION_V2  # the version new assessments are scored with

# Posture items in FPI order (FPI item 1, talar head palpation, is clinician-only and never asked).
POSTURE_ITEMS: tuple[str, ...] = (
    "ankle_curves",  # FPI 2: curves above/below the outer ankle bone
    "heel_tilt",  # FPI 3: calcaneal frontal-plane tilt
    "midfoot_bulge",  # FPI 4: bulge at the inner midfoot (talonavicular)
    "arch_height",  # FPI 5: height and shape of the inner arch
    "toes_from_behind",  # FPI 6: forefoot abduction, "too many toes"
)
ITEM_MIN, ITEM_MAX = -2, 2
MIN_ANSWERED_ITEMS = 3
FOOT_SCALE_MAX = 10  # 5 items x 2
ASYMMETRY_THRESHOLD = 4  # a left-right difference beyond this is marked

# Red flags: any one stops the flow. Urgent ones get "today" wording.
RED_FLAGS: tuple[str, ...] = (
    "diabetic_foot_wound",
    "red_hot_swollen_foot",
    "previous_ulcer_or_amputation",
    "nerve_symptoms",
    "rest_or_night_pain",
    "injury_cannot_bear_weight",
    "swelling_or_deformity",
    "systemic_symptoms",
    "cancer_history",
    "new_one_sided_arch_collapse",
    "under_18",
)
URGENT_RED_FLAGS = frozenset({"diabetic_foot_wound", "red_hot_swollen_foot"})
ADULT_AGE = 18

# Symptom fit (recorded; only used as "a matching symptom" in the band rule).
MATCHING_SYMPTOMS: tuple[str, ...] = (
    "first_step_heel_pain",
    "inner_shin_pain_with_activity",
    "knee_pain_stairs_or_squatting",
    "outer_hip_pain_lying_on_side",
)
SHIN_OR_HIP_AREAS = frozenset({"shin", "hip"})
SHIN_OR_HIP_SYMPTOMS = frozenset({"inner_shin_pain_with_activity", "outer_hip_pain_lying_on_side"})

# Posture bands per foot (FPI bands scaled by 5/6, heuristic).
POSTURE_SUPINATED = "supinated"
POSTURE_TYPICAL = "typical"
POSTURE_PRONATED = "pronated"
POSTURE_HIGHLY_PRONATED = "highly_pronated"
POSTURE_BANDS = (POSTURE_SUPINATED, POSTURE_TYPICAL, POSTURE_PRONATED, POSTURE_HIGHLY_PRONATED)

BAND_LOW = "low"
BAND_MODERATE = "moderate"
BAND_HIGH = "high"
BAND_NOT_ENOUGH_INFORMATION = "not_enough_information"
BAND_ORDER = {BAND_LOW: 0, BAND_MODERATE: 1, BAND_HIGH: 2}


@dataclass(frozen=True)
class Answers:
    """Everything the model reads. Posture answers: item -> -2..+2, or None for "I can't tell"."""

    left: dict[str, int | None] = field(default_factory=dict)
    right: dict[str, int | None] = field(default_factory=dict)
    red_flags: frozenset[str] = frozenset()
    age: int | None = None
    sex: str = ""  # "female", "male", "other", "" (not said)
    height_cm: float | None = None
    weight_kg: float | None = None
    pain_areas: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    previous_overuse_injury: bool = False
    impact_sessions_per_week: int = 0
    recent_training_jump: bool = False
    hypermobility: bool = False
    pain_score: int | None = None  # 0-10 at its worst; v2 only asks "was pain reported?"


@dataclass(frozen=True)
class FootScore:
    side: str
    score: int | None  # -10..+10, None when fewer than 3 items were answered
    answered: int
    raw_total: int
    posture_band: str  # one of the POSTURE_* values, or BAND_NOT_ENOUGH_INFORMATION


@dataclass(frozen=True)
class Driver:
    """One answer that moved the result, for the "what drove it" list."""

    kind: str  # "posture" or "load"
    code: str  # item or load-factor code
    side: str  # "left"/"right" for posture, "" for load
    points: float


@dataclass(frozen=True)
class Result:
    model_version: str
    red_flags: tuple[str, ...]
    urgent: bool
    band: str | None  # None when a red flag gated the result
    left: FootScore | None
    right: FootScore | None
    scoring_foot: str  # "left", "right" or ""
    posture_score: int | None  # A of the higher-scoring foot
    difference: int | None
    asymmetry: bool
    load_score: int | None
    load_factors: tuple[tuple[str, int], ...]
    matching_symptoms: tuple[str, ...]
    drivers: tuple[Driver, ...]

    @property
    def referred(self) -> bool:
        return bool(self.red_flags)


def red_flags_for(answers: Answers) -> tuple[str, ...]:
    """Red flags in a stable order, including "under_18" derived from age."""
    flags = set(answers.red_flags) & set(RED_FLAGS)
    if answers.age is not None and answers.age < ADULT_AGE:
        flags.add("under_18")
    return tuple(flag for flag in RED_FLAGS if flag in flags)


def _round_half_up(value: Decimal) -> int:
    """Symmetric rounding (half away from zero), so left and right mirror exactly."""
    magnitude = int(abs(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -magnitude if value < 0 else magnitude


def foot_score(side: str, items: dict[str, int | None]) -> FootScore:
    """Sum the answered items and rescale to the full five-item range (-10..+10)."""
    values = []
    for item in POSTURE_ITEMS:
        value = items.get(item)
        if value is None:
            continue
        if not ITEM_MIN <= value <= ITEM_MAX:
            raise ValueError(f"{side} {item} must be between -2 and +2, got {value!r}")
        values.append(value)
    raw_total = sum(values)
    answered = len(values)
    if answered < MIN_ANSWERED_ITEMS:
        return FootScore(side, None, answered, raw_total, BAND_NOT_ENOUGH_INFORMATION)
    score = _round_half_up(Decimal(raw_total) * len(POSTURE_ITEMS) / answered)
    return FootScore(side, score, answered, raw_total, posture_band(score))


def posture_band(score: int) -> str:
    """FPI bands scaled by 5/6: <= -1 supinated; 0..+4 typical; +5..+7 pronated; >= +8 highly."""
    if score <= -1:
        return POSTURE_SUPINATED
    if score <= 4:
        return POSTURE_TYPICAL
    if score <= 7:
        return POSTURE_PRONATED
    return POSTURE_HIGHLY_PRONATED


# Version 2 posture bands per foot, compared on the unrounded rescaled score (reference, "Version 2"):
# <= -4 highly supinated; -3.9..-1 supinated; above -1 and below +5 typical; +5..+7.9 pronated;
# >= +8 highly pronated. Supinated feet have their own bands and words in v2.
POSTURE_HIGHLY_SUPINATED = "highly_supinated"
POSTURE_BANDS_V2 = (
    POSTURE_HIGHLY_SUPINATED,
    POSTURE_SUPINATED,
    POSTURE_TYPICAL,
    POSTURE_PRONATED,
    POSTURE_HIGHLY_PRONATED,
)
# The band edges on the -10..+10 scale: (highly supinated at or below, supinated at or below,
# pronated from, highly pronated from). Calibration asks what moves when one shifts by a point.
POSTURE_EDGES_V2: tuple[float, float, float, float] = (-4.0, -1.0, 5.0, 8.0)


def posture_band_v2(
    score: float, edges: tuple[float, float, float, float] = POSTURE_EDGES_V2
) -> str:
    """The v2 band of one foot's unrounded score (rounding only ever happens for display)."""
    highly_supinated, supinated, pronated, highly_pronated = edges
    if score <= highly_supinated:
        return POSTURE_HIGHLY_SUPINATED
    if score <= supinated:
        return POSTURE_SUPINATED
    if score < pronated:
        return POSTURE_TYPICAL
    if score < highly_pronated:
        return POSTURE_PRONATED
    return POSTURE_HIGHLY_PRONATED


def posture_band_for(score: float, *, version: str) -> str:
    """Posture band of a per-foot score under the model version that produced it."""
    return posture_band_v2(score) if version == "2" else posture_band(round(score))


def bmi(height_cm: float | None, weight_kg: float | None) -> float | None:
    if not height_cm or not weight_kg or height_cm <= 0 or weight_kg <= 0:
        return None
    metres = height_cm / 100
    return round(weight_kg / (metres * metres), 1)


def load_factors(
    answers: Answers, *, female_pain_areas: frozenset[str] = SHIN_OR_HIP_AREAS
) -> tuple[tuple[str, int], ...]:
    """Heuristic load points (B), each with the code of the factor that earned it.

    `female_pain_areas`: the pain areas that earn the female factor (v1: shin and hip)."""
    factors: list[tuple[str, int]] = []
    body_mass_index = bmi(answers.height_cm, answers.weight_kg)
    if body_mass_index is not None:
        if body_mass_index >= 30:
            factors.append(("bmi_30_or_more", 2))
        elif body_mass_index >= 27:
            factors.append(("bmi_27_to_30", 1))
    if answers.previous_overuse_injury:
        factors.append(("previous_overuse_injury", 1))
    if answers.impact_sessions_per_week >= 3 or answers.recent_training_jump:
        factors.append(("impact_or_training_jump", 1))
    if answers.sex == "female" and (
        answers.pain_areas & female_pain_areas or answers.symptoms & SHIN_OR_HIP_SYMPTOMS
    ):
        factors.append(("female_shin_or_hip", 1))
    if answers.hypermobility:
        factors.append(("hypermobility", 1))
    return tuple(factors)


def result_band(posture: int, load: int, matching_symptom: bool) -> str:
    """v1 bands from the higher-scoring foot's A, the load score B and symptom fit."""
    loaded = load >= 2 and matching_symptom
    if posture >= 8 or (posture >= 5 and loaded):
        return BAND_HIGH
    if 5 <= posture <= 7 or (posture <= 4 and loaded):
        return BAND_MODERATE
    return BAND_LOW


def score(answers: Answers) -> Result:
    """Score one set of answers. Red flags first; then per-foot posture, load and the band."""
    flags = red_flags_for(answers)
    if flags:
        return Result(
            model_version=MODEL_VERSION_V1,
            red_flags=flags,
            urgent=bool(URGENT_RED_FLAGS & set(flags)),
            band=None,
            left=None,
            right=None,
            scoring_foot="",
            posture_score=None,
            difference=None,
            asymmetry=False,
            load_score=None,
            load_factors=(),
            matching_symptoms=(),
            drivers=(),
        )
    left = foot_score("left", answers.left)
    right = foot_score("right", answers.right)
    factors = load_factors(answers)
    load = sum(points for _, points in factors)
    symptoms = tuple(code for code in MATCHING_SYMPTOMS if code in answers.symptoms)
    scored = [foot for foot in (left, right) if foot.score is not None]
    difference = (
        abs(left.score - right.score)
        if left.score is not None and right.score is not None
        else None
    )
    if not scored:
        band = BAND_NOT_ENOUGH_INFORMATION
        scoring = None
    else:
        # The higher-scoring foot decides; ties go to the left for a stable explanation.
        scoring = max(scored, key=lambda foot: (foot.score, foot.side == "left"))
        band = result_band(scoring.score, load, bool(symptoms))
    drivers: list[Driver] = []
    if scoring is not None:
        items = answers.left if scoring.side == "left" else answers.right
        scale = len(POSTURE_ITEMS) / scoring.answered
        for item in POSTURE_ITEMS:
            value = items.get(item)
            if value:
                drivers.append(Driver("posture", item, scoring.side, round(value * scale, 2)))
        drivers.sort(key=lambda driver: -abs(driver.points))
    drivers.extend(Driver("load", code, "", points) for code, points in factors)
    return Result(
        model_version=MODEL_VERSION_V1,
        red_flags=(),
        urgent=False,
        band=band,
        left=left,
        right=right,
        scoring_foot=scoring.side if scoring else "",
        posture_score=scoring.score if scoring else None,
        difference=difference,
        asymmetry=difference is not None and difference > ASYMMETRY_THRESHOLD,
        load_score=load,
        load_factors=factors,
        matching_symptoms=symptoms,
        drivers=tuple(drivers),
    )


def result_to_dict(result: Result) -> dict:
    """A JSON-ready snapshot of a result, stored beside the answers for explainability."""

    def foot(value: FootScore | None) -> dict | None:
        if value is None:
            return None
        return {
            "side": value.side,
            "score": value.score,
            "answered": value.answered,
            "raw_total": value.raw_total,
            "posture_band": value.posture_band,
        }

    return {
        "model_version": result.model_version,
        "red_flags": list(result.red_flags),
        "urgent": result.urgent,
        "band": result.band,
        "left": foot(result.left),
        "right": foot(result.right),
        "scoring_foot": result.scoring_foot,
        "posture_score": result.posture_score,
        "difference": result.difference,
        "asymmetry": result.asymmetry,
        "load_score": result.load_score,
        "load_factors": [[code, points] for code, points in result.load_factors],
        "matching_symptoms": list(result.matching_symptoms),
        "drivers": [
            {"kind": d.kind, "code": d.code, "side": d.side, "points": d.points}
            for d in result.drivers
        ],
    }


# --- Version 2 --------------------------------------------------------------------------------
# Changes from v1 (reference, "Version 2"): per-foot scores are compared unrounded; supinated feet
# have bands and words of their own; a new band rule; one band per foot, the overall band from the
# feet that have one; asymmetry above 3 points; same-day urgency for two named cases; the female
# load factor for shin and outer-hip pain only. Everything else is as in v1 (and reuses its code).

ASYMMETRY_THRESHOLD_V2 = 3.0  # FPI's 4 scaled by 5/6: a difference above this is marked
AVERAGE_SCORE_V2 = 3  # healthy adults average FPI about +4: about +3 on this scale

URGENCY_SAME_DAY = "same_day"
URGENCY_SOON = "soon"
# Same-day: diabetes with a wound, a red hot swollen foot; an injury with inability to bear
# weight, or a visible deformity (asked together with swelling in one question, so it counts).
SAME_DAY_RED_FLAGS = frozenset(
    {
        "diabetic_foot_wound",
        "red_hot_swollen_foot",
        "injury_cannot_bear_weight",
        "swelling_or_deformity",
    }
)

# v2's female load factor: shin pain, or pain on the outside of the hip (the "hip" pain area also
# covers the groin and front of the hip, so only the outer-hip symptom counts for the hip).
SHIN_OR_OUTER_HIP_AREAS_V2 = frozenset({"shin"})

NEXT_STEP_URGENT_CARE = "urgent_care"  # a same-day red flag
NEXT_STEP_CLINICIAN = "clinician"  # another red flag, or no foot readable
NEXT_STEP_ORTHOTIC = "orthotic"  # high or moderate
NEXT_STEP_LOAD_ADVICE = "load_advice"  # load factors alone: footwear, training load, weight
NEXT_STEP_ADVICE = "advice"  # low: exercise and advice first

FOOT_TYPE_PRONATED = "pronated"
FOOT_TYPE_SUPINATED = "supinated"
FOOT_TYPE_TYPICAL = "typical"
FOOT_TYPE_MIXED = "mixed"
FOOT_TYPE_OF_BAND = {
    POSTURE_HIGHLY_SUPINATED: FOOT_TYPE_SUPINATED,
    POSTURE_SUPINATED: FOOT_TYPE_SUPINATED,
    POSTURE_TYPICAL: FOOT_TYPE_TYPICAL,
    POSTURE_PRONATED: FOOT_TYPE_PRONATED,
    POSTURE_HIGHLY_PRONATED: FOOT_TYPE_PRONATED,
}


@dataclass(frozen=True)
class ItemWeight:
    """One picture answer as given (-2..+2, None for "I can't tell") and its rescaled weight:
    the weights of one foot add up to its score."""

    item: str
    answer: int | None
    weight: float | None


@dataclass(frozen=True)
class FootResult:
    side: str
    score: float | None  # unrounded, -10..+10; None when fewer than 3 items were answered
    answered: int
    raw_total: int
    posture_band: str | None  # one of POSTURE_BANDS_V2, None: not enough information
    band: str | None  # this foot's result band (low/moderate/high), None without a posture band
    drivers: tuple[ItemWeight, ...]  # all five items, in FPI order

    @property
    def foot_type(self) -> str | None:
        return FOOT_TYPE_OF_BAND.get(self.posture_band or "")


@dataclass(frozen=True)
class ResultV2:
    model_version: str
    red_flags: tuple[str, ...]
    urgency: str | None  # URGENCY_SAME_DAY, URGENCY_SOON, or None without a red flag
    band: str | None  # None: red flag, or no foot readable
    left: FootResult | None
    right: FootResult | None
    based_on: tuple[str, ...]  # the feet with a posture band
    deciding: tuple[str, ...]  # the feet whose own band is the overall band
    foot_type: str  # FOOT_TYPE_* of the deciding feet ("" without a band)
    difference: float | None  # unrounded
    asymmetry: bool
    load_score: int | None
    load_factors: tuple[tuple[str, int], ...]
    matching_symptoms: tuple[str, ...]
    pain_reported: bool
    load_only: bool  # B >= 2 with typical posture: load advice, not a posture result
    next_step: str

    @property
    def referred(self) -> bool:
        return bool(self.red_flags)

    @property
    def urgent(self) -> bool:
        return self.urgency == URGENCY_SAME_DAY

    @property
    def offers_product(self) -> bool:
        """No product for a referral, a result with no band, or load factors alone."""
        return self.band is not None and not self.load_only


def urgency_for(flags: tuple[str, ...]) -> str | None:
    if not flags:
        return None
    return URGENCY_SAME_DAY if SAME_DAY_RED_FLAGS & set(flags) else URGENCY_SOON


def foot_result_v2(
    side: str, items: dict[str, int | None], *, load: int = 0, matching_symptom: bool = False
) -> FootResult:
    """One foot: the unrounded rescaled score, its posture band and its own result band."""
    counted = foot_score(side, items)  # validates the answers and counts them as v1 does
    if counted.score is None:
        drivers = tuple(ItemWeight(item, items.get(item), None) for item in POSTURE_ITEMS)
        return FootResult(side, None, counted.answered, counted.raw_total, None, None, drivers)
    scale = len(POSTURE_ITEMS) / counted.answered
    score = counted.raw_total * len(POSTURE_ITEMS) / counted.answered  # exact for every edge value
    drivers = tuple(
        ItemWeight(item, items.get(item), None if items.get(item) is None else items[item] * scale)
        for item in POSTURE_ITEMS
    )
    band = posture_band_v2(score)
    return FootResult(
        side,
        score,
        counted.answered,
        counted.raw_total,
        band,
        result_band_v2(band, load, matching_symptom),
        drivers,
    )


def result_band_v2(posture_band: str, load: int, matching_symptom: bool) -> str:
    """v2 band rule for one foot, from its posture band (so the edges live in one place):
    high: A >= +8 with a matching symptom, or A >= +5 with B >= 2 and a matching symptom;
    moderate: A >= +8 without one, A +5..+7.9, or A <= -4 with a matching symptom; else low."""
    if posture_band == POSTURE_HIGHLY_PRONATED:
        return BAND_HIGH if matching_symptom else BAND_MODERATE
    if posture_band == POSTURE_PRONATED:
        return BAND_HIGH if load >= 2 and matching_symptom else BAND_MODERATE
    if posture_band == POSTURE_HIGHLY_SUPINATED and matching_symptom:
        return BAND_MODERATE
    return BAND_LOW


def load_factors_v2(answers: Answers) -> tuple[tuple[str, int], ...]:
    """v1's load points, with the female factor for shin or outer-hip pain only."""
    return load_factors(answers, female_pain_areas=SHIN_OR_OUTER_HIP_AREAS_V2)


def pain_reported(answers: Answers) -> bool:
    return bool(answers.pain_areas or answers.symptoms or (answers.pain_score or 0) > 0)


def score_v2(answers: Answers) -> ResultV2:
    """Score one set of answers with model v2. Red flags first; then one result per foot."""
    flags = red_flags_for(answers)
    if flags:
        return ResultV2(
            model_version=MODEL_VERSION_V2,
            red_flags=flags,
            urgency=urgency_for(flags),
            band=None,
            left=None,
            right=None,
            based_on=(),
            deciding=(),
            foot_type="",
            difference=None,
            asymmetry=False,
            load_score=None,
            load_factors=(),
            matching_symptoms=(),
            pain_reported=pain_reported(answers),
            load_only=False,
            next_step=NEXT_STEP_URGENT_CARE
            if urgency_for(flags) == URGENCY_SAME_DAY
            else NEXT_STEP_CLINICIAN,
        )
    factors = load_factors_v2(answers)
    load = sum(points for _, points in factors)
    symptoms = tuple(code for code in MATCHING_SYMPTOMS if code in answers.symptoms)
    feet = {
        side: foot_result_v2(side, items, load=load, matching_symptom=bool(symptoms))
        for side, items in (("left", answers.left), ("right", answers.right))
    }
    readable = [foot for foot in feet.values() if foot.band is not None]
    band = max((foot.band for foot in readable), key=BAND_ORDER.__getitem__, default=None)
    deciding = tuple(foot.side for foot in readable if foot.band == band)
    types = {feet[side].foot_type for side in deciding}
    foot_type = "" if not types else (types.pop() if len(types) == 1 else FOOT_TYPE_MIXED)
    left, right = feet["left"], feet["right"]
    difference = (
        abs(left.score - right.score)
        if left.score is not None and right.score is not None
        else None
    )
    load_only = (
        band == BAND_LOW
        and load >= 2
        and all(foot.posture_band == POSTURE_TYPICAL for foot in readable)
    )
    if band is None:
        next_step = NEXT_STEP_CLINICIAN
    elif band in (BAND_HIGH, BAND_MODERATE):
        next_step = NEXT_STEP_ORTHOTIC
    else:
        next_step = NEXT_STEP_LOAD_ADVICE if load_only else NEXT_STEP_ADVICE
    return ResultV2(
        model_version=MODEL_VERSION_V2,
        red_flags=(),
        urgency=None,
        band=band,
        left=left,
        right=right,
        based_on=tuple(foot.side for foot in readable),
        deciding=deciding,
        foot_type=foot_type,
        difference=difference,
        asymmetry=difference is not None and difference > ASYMMETRY_THRESHOLD_V2,
        load_score=load,
        load_factors=factors,
        matching_symptoms=symptoms,
        pain_reported=pain_reported(answers),
        load_only=load_only,
        next_step=next_step,
    )


def score_for(answers: Answers, *, version: str = MODEL_VERSION) -> Result | ResultV2:
    """Score with the named model version (stored results are explained by their own)."""
    if version == MODEL_VERSION_V1:
        return score(answers)
    if version == MODEL_VERSION_V2:
        return score_v2(answers)
    raise ValueError(f"Unknown model version {version!r}; known: {', '.join(MODEL_VERSIONS)}")


def _foot_v2_to_dict(foot: FootResult | None) -> dict | None:
    if foot is None:
        return None
    return {
        "side": foot.side,
        "score": foot.score,
        "answered": foot.answered,
        "raw_total": foot.raw_total,
        "band": foot.posture_band,
        # v1's key, read by pages that show either version (clinic): band or "not enough".
        "posture_band": foot.posture_band or BAND_NOT_ENOUGH_INFORMATION,
        "result_band": foot.band,
        "drivers": [{"item": d.item, "answer": d.answer, "weight": d.weight} for d in foot.drivers],
    }


def result_v2_to_dict(result: ResultV2) -> dict:
    """A JSON-ready snapshot of a v2 result (unrounded numbers), stored with the assessment."""
    scored = [
        foot for foot in (result.left, result.right) if foot is not None and foot.score is not None
    ]
    # The higher-scoring readable foot, for pages that compare one foot with evidence (footprint).
    top = max(scored, key=lambda foot: (foot.score, foot.side == "left"), default=None)
    return {
        "model_version": result.model_version,
        "red_flags": list(result.red_flags),
        "urgent": result.urgent,
        "urgency": result.urgency,
        "band": result.band,
        "left": _foot_v2_to_dict(result.left),
        "right": _foot_v2_to_dict(result.right),
        "based_on": list(result.based_on),
        "deciding": list(result.deciding),
        "foot_type": result.foot_type,
        "scoring_foot": top.side if top else "",
        "difference": result.difference,
        "asymmetry": result.asymmetry,
        "load_score": result.load_score,
        "load_factors": [[code, points] for code, points in result.load_factors],
        "matching_symptoms": list(result.matching_symptoms),
        "pain_reported": result.pain_reported,
        "load_only": result.load_only,
        "next_step": result.next_step,
    }


def snapshot(result: Result | ResultV2) -> dict:
    """The stored snapshot of a result of either version."""
    return result_v2_to_dict(result) if isinstance(result, ResultV2) else result_to_dict(result)


def report(result: Result | ResultV2) -> dict:
    """The audit view of a result (`manage.py score_assessment`): per foot score (unrounded in
    v2), band or null and drivers; the overall band, the feet it is based on, load, red flags,
    urgency and the next step."""
    if isinstance(result, ResultV2):
        stored = result_v2_to_dict(result)

        def foot(side: str) -> dict | None:
            data = stored[side]
            if data is None:
                return None
            return {key: data[key] for key in ("score", "band", "result_band", "answered")} | {
                "drivers": data["drivers"]
            }

        return {
            "version": result.model_version,
            "left": foot("left"),
            "right": foot("right"),
            "band": result.band,
            "based_on": list(result.based_on),
            "difference": result.difference,
            "asymmetry": result.asymmetry,
            "load_score": result.load_score,
            "load_factors": stored["load_factors"],
            "matching_symptoms": stored["matching_symptoms"],
            "load_only": result.load_only,
            "red_flags": list(result.red_flags),
            "urgency": result.urgency,
            "next_step": result.next_step,
        }
    # Version 1, as v1 saw it: rounded scores, the higher-scoring foot's drivers only.
    v1_urgency = (URGENCY_SAME_DAY if result.urgent else URGENCY_SOON) if result.referred else None

    def foot_v1(value: FootScore | None) -> dict | None:
        if value is None:
            return None
        return {
            "score": value.score,
            "band": value.posture_band if value.score is not None else None,
            "answered": value.answered,
            "drivers": [
                {"item": d.code, "weight": d.points}
                for d in result.drivers
                if d.kind == "posture" and d.side == value.side
            ],
        }

    if result.referred:
        next_step = NEXT_STEP_URGENT_CARE if result.urgent else NEXT_STEP_CLINICIAN
    elif result.band in (BAND_HIGH, BAND_MODERATE):
        next_step = NEXT_STEP_ORTHOTIC
    elif result.band == BAND_LOW:
        next_step = NEXT_STEP_ADVICE
    else:
        next_step = NEXT_STEP_CLINICIAN
    return {
        "version": result.model_version,
        "left": foot_v1(result.left),
        "right": foot_v1(result.right),
        "band": result.band if result.band != BAND_NOT_ENOUGH_INFORMATION else None,
        "based_on": [result.scoring_foot] if result.scoring_foot else [],
        "difference": result.difference,
        "asymmetry": result.asymmetry,
        "load_score": result.load_score,
        "load_factors": [[code, points] for code, points in result.load_factors],
        "matching_symptoms": list(result.matching_symptoms),
        "load_only": False,
        "red_flags": list(result.red_flags),
        "urgency": v1_urgency,
        "next_step": next_step,
    }
