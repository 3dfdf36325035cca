"""What both model versions share: the questions' codes, red flags, per-foot rescaling, posture
bands, BMI and load factors. Pure Python, no Django."""

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
