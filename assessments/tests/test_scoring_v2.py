"""Pins the version-2 model against the reference ("Version 2"): each finding fails on v1.

Every finding is asserted twice: v1 (`scoring.score`, kept for stored results) still gives the old
answer, and v2 (`scoring.score_v2`) gives the reference's.
"""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments import questions, scoring
from assessments.scoring import Answers

ITEMS = scoring.POSTURE_ITEMS
HEEL_PAIN = frozenset({"first_step_heel_pain"})


def foot(*values):
    """Five posture answers in FPI order; None means "I can't tell"."""
    return dict(zip(ITEMS, values, strict=True))


def flat(value):
    return foot(value, value, value, value, value)


NEUTRAL = flat(0)


def test_new_assessments_use_version_2_and_v1_stays_v1():
    assert scoring.MODEL_VERSION == "2"
    assert scoring.score(Answers(left=NEUTRAL, right=NEUTRAL)).model_version == "1"
    assert scoring.score_v2(Answers(left=NEUTRAL, right=NEUTRAL)).model_version == "2"
    with pytest.raises(ValueError, match="Unknown model version"):
        scoring.score_for(Answers(), version="3")


# --- The reference's table of cases -------------------------------------------------------

# (left, right, load answers, expected overall band, expected per-foot posture bands, next step)
BMI_35 = {"height_cm": 169, "weight_kg": 100}  # BMI 35.0: +2
CASES = [
    # 1. Unrounded: a raw 6 from 4 items is +7.5, pronated; no symptom: moderate.
    (foot(2, 2, 1, 1, None), NEUTRAL, {}, "moderate", ("pronated", "typical"), "orthotic"),
    # A >= 8 with a matching symptom: high; without one: moderate.
    (flat(2), NEUTRAL, {"symptoms": HEEL_PAIN}, "high", ("highly_pronated", "typical"), "orthotic"),
    (flat(2), NEUTRAL, {}, "moderate", ("highly_pronated", "typical"), "orthotic"),
    # A >= 5 with B >= 2 and a matching symptom: high.
    (
        flat(1),
        NEUTRAL,
        {"symptoms": HEEL_PAIN, **BMI_35},
        "high",
        ("pronated", "typical"),
        "orthotic",
    ),
    # 2. Very high arches, BMI 35, heel pain: moderate, supinated, never "rolls in".
    (
        flat(-2),
        flat(-2),
        {"symptoms": HEEL_PAIN, "pain_areas": frozenset({"heel"}), **BMI_35},
        "moderate",
        ("highly_supinated", "highly_supinated"),
        "orthotic",
    ),
    # A <= -4 without a matching symptom: low.
    (flat(-2), flat(-2), {}, "low", ("highly_supinated", "highly_supinated"), "advice"),
    # -3.9..-1 is supinated (not "highly"), low even with a symptom.
    (
        foot(-1, -1, -1, 0, None),
        NEUTRAL,
        {"symptoms": HEEL_PAIN},
        "low",
        ("supinated", "typical"),
        "advice",
    ),
    # Load factors alone with typical posture: low, reported as load advice.
    (
        NEUTRAL,
        NEUTRAL,
        {"symptoms": HEEL_PAIN, **BMI_35},
        "low",
        ("typical", "typical"),
        "load_advice",
    ),
    # 3. One foot unreadable: the band from the other foot only.
    (flat(None), flat(2), {"symptoms": HEEL_PAIN}, "high", (None, "highly_pronated"), "orthotic"),
    # No foot readable: no band, the next step is a clinician.
    (flat(None), foot(1, 1, None, None, None), {}, None, (None, None), "clinician"),
]


@pytest.mark.parametrize(("left", "right", "extra", "band", "feet", "next_step"), CASES)
def test_reference_cases(left, right, extra, band, feet, next_step):
    result = scoring.score_v2(Answers(left=left, right=right, **extra))
    assert result.band == band
    assert (result.left.posture_band, result.right.posture_band) == feet
    assert result.next_step == next_step
    assert result.based_on == tuple(
        side for side, posture in zip(("left", "right"), feet, strict=True) if posture
    )


# --- Findings: each fails on v1 -----------------------------------------------------------


def test_raw_six_from_four_items_is_pronated_not_highly_pronated():
    answers = Answers(left=foot(2, 2, 1, 1, None), right=NEUTRAL)
    v1 = scoring.score(answers)
    assert (v1.left.score, v1.left.posture_band, v1.band) == (8, "highly_pronated", "high")
    v2 = scoring.score_v2(answers)
    assert v2.left.score == 7.5
    assert v2.left.posture_band == "pronated"
    assert v2.band == "moderate"


def test_high_arches_with_load_and_heel_pain_are_moderate_supinated_not_rolling_in():
    answers = Answers(
        left=flat(-2),
        right=flat(-2),
        symptoms=HEEL_PAIN,
        pain_areas=frozenset({"heel"}),
        **BMI_35,
    )
    v1 = scoring.score(answers)
    assert v1.band == "moderate" and v1.left.posture_band == "supinated"  # "rolls in" wording
    v2 = scoring.score_v2(answers)
    assert v2.band == "moderate"
    assert v2.foot_type == scoring.FOOT_TYPE_SUPINATED
    assert v2.left.posture_band == v2.right.posture_band == "highly_supinated"
    assert not v2.load_only


def test_each_foot_has_its_own_band_and_the_overall_says_which_feet():
    answers = Answers(left=flat(None), right=foot(1, 1, 1, 0, 0), symptoms=HEEL_PAIN)
    v1 = scoring.score(answers)
    assert not hasattr(v1, "based_on")
    v2 = scoring.score_v2(answers)
    assert v2.left.posture_band is None and v2.left.band is None
    assert v2.right.posture_band == "typical" and v2.right.band == "low"
    assert v2.based_on == ("right",)


def test_drivers_are_listed_for_both_feet_with_answer_and_weight_adding_up():
    answers = Answers(left=foot(2, 1, 0, None, -1), right=foot(1, 1, 1, 1, 1))
    v1 = scoring.score(answers)
    assert {d.side for d in v1.drivers if d.kind == "posture"} == {"right"}  # one foot only
    v2 = scoring.score_v2(answers)
    for foot_result in (v2.left, v2.right):
        assert [d.item for d in foot_result.drivers] == list(ITEMS)
        weights = [d.weight for d in foot_result.drivers if d.weight is not None]
        assert sum(weights) == pytest.approx(foot_result.score)
    left = {d.item: (d.answer, d.weight) for d in v2.left.drivers}
    assert left["ankle_curves"] == (2, 2.5)
    assert left["arch_height"] == (None, None)  # "I can't tell": not counted


@pytest.mark.parametrize(
    ("left", "right", "difference", "asymmetry"),
    [
        (foot(1, 1, 1, 0, 0), NEUTRAL, 3.0, False),  # exactly 3: not marked
        (foot(1, 1, 1, 1, 0), NEUTRAL, 4.0, True),  # v1 left 4 unmarked
        (NEUTRAL, foot(-1, -1, -1, None, 0), 3.75, True),  # unrounded, either direction
    ],
)
def test_asymmetry_above_three_points_is_marked(left, right, difference, asymmetry):
    result = scoring.score_v2(Answers(left=left, right=right))
    assert result.difference == difference
    assert result.asymmetry is asymmetry


def test_v1_did_not_mark_a_four_point_difference():
    assert not scoring.score(Answers(left=foot(1, 1, 1, 1, 0), right=NEUTRAL)).asymmetry


def test_average_is_about_plus_three_on_this_scale():
    assert scoring.AVERAGE_SCORE_V2 == 3
    assert scoring.posture_band_v2(scoring.AVERAGE_SCORE_V2) == "typical"


@pytest.mark.parametrize(
    ("flag", "urgency"),
    [
        ("diabetic_foot_wound", "same_day"),
        ("red_hot_swollen_foot", "same_day"),
        ("injury_cannot_bear_weight", "same_day"),
        ("swelling_or_deformity", "same_day"),
        ("nerve_symptoms", "soon"),
        ("rest_or_night_pain", "soon"),
        ("previous_ulcer_or_amputation", "soon"),
        ("systemic_symptoms", "soon"),
        ("cancer_history", "soon"),
        ("new_one_sided_arch_collapse", "soon"),
    ],
)
def test_same_day_urgency_for_the_named_cases(flag, urgency):
    answers = Answers(left=flat(2), right=flat(2), red_flags=frozenset({flag}))
    result = scoring.score_v2(answers)
    assert result.urgency == urgency
    assert result.band is None and result.load_score is None and not result.offers_product
    assert result.next_step == ("urgent_care" if urgency == "same_day" else "clinician")
    if flag == "injury_cannot_bear_weight":
        assert not scoring.score(answers).urgent  # v1: "within the next week or two"


def test_under_18_is_referred_soon():
    result = scoring.score_v2(Answers(left=NEUTRAL, right=NEUTRAL, age=16))
    assert result.red_flags == ("under_18",) and result.urgency == "soon"


def test_no_red_flag_no_urgency():
    assert scoring.score_v2(Answers(left=NEUTRAL, right=NEUTRAL)).urgency is None


@pytest.mark.parametrize(
    ("areas", "symptoms", "earns"),
    [
        ({"shin"}, set(), True),
        (set(), {"inner_shin_pain_with_activity"}, True),
        (set(), {"outer_hip_pain_lying_on_side"}, True),
        ({"hip"}, set(), False),  # hip pain that is not on the outside: v1 counted it
        ({"knee"}, {"knee_pain_stairs_or_squatting"}, False),
    ],
)
def test_female_factor_for_shin_and_outer_hip_pain_only(areas, symptoms, earns):
    answers = Answers(sex="female", pain_areas=frozenset(areas), symptoms=frozenset(symptoms))
    assert (("female_shin_or_hip", 1) in scoring.load_factors_v2(answers)) is earns
    male = replace(answers, sex="male")
    assert ("female_shin_or_hip", 1) not in scoring.load_factors_v2(male)


def test_v1_counted_any_hip_pain_for_women():
    answers = Answers(sex="female", pain_areas=frozenset({"hip"}))
    assert ("female_shin_or_hip", 1) in scoring.load_factors(answers)


def test_load_alone_is_load_advice_with_no_product():
    answers = Answers(left=NEUTRAL, right=NEUTRAL, symptoms=HEEL_PAIN, **BMI_35)
    assert scoring.score(answers).band == "moderate"  # v1: a posture result
    v2 = scoring.score_v2(answers)
    assert v2.band == "low" and v2.load_only and v2.next_step == "load_advice"
    assert not v2.offers_product
    stored = {"activity": {"impact": "none", "shoes": "everyday"}}
    assert questions.suggest_product(stored, v2) == ""
    assert questions.suggest_product(stored, scoring.score(answers)) == "everyday"


def test_load_with_a_supinated_foot_is_not_load_only():
    answers = Answers(left=foot(-1, -1, -1, 0, 0), right=NEUTRAL, **BMI_35)
    assert not scoring.score_v2(answers).load_only


def test_no_readable_foot_gives_no_band_and_no_product():
    v2 = scoring.score_v2(Answers(left=flat(None), right=flat(None)))
    assert v2.band is None and v2.next_step == "clinician" and not v2.offers_product
    assert questions.suggest_product({}, v2) == ""


@pytest.mark.parametrize(
    ("pain", "reported"),
    [
        ({}, False),
        ({"pain_score": 0}, False),
        ({"pain_score": 3}, True),
        ({"pain_areas": frozenset({"heel"})}, True),
        ({"symptoms": HEEL_PAIN}, True),
    ],
)
def test_pain_reported(pain, reported):
    assert scoring.score_v2(Answers(left=NEUTRAL, **pain)).pain_reported is reported


def test_snapshot_and_report_are_json_ready_and_unrounded():
    import json

    result = scoring.score_v2(
        Answers(left=foot(2, 2, 1, 1, None), right=foot(1, 0, None, None, None))
    )
    stored = scoring.snapshot(result)
    assert json.loads(json.dumps(stored)) == stored
    assert stored["model_version"] == "2"
    assert stored["left"]["score"] == 7.5 and stored["right"]["score"] is None
    assert stored["left"]["posture_band"] == "pronated"
    assert stored["right"]["posture_band"] == "not_enough_information"
    report = scoring.report(result)
    assert set(report) >= {
        "version",
        "left",
        "right",
        "band",
        "based_on",
        "load_score",
        "red_flags",
        "urgency",
        "next_step",
    }
    assert report["left"]["score"] == 7.5 and report["left"]["band"] == "pronated"
    assert report["right"]["band"] is None
    assert report["based_on"] == ["left"]


# --- Properties ----------------------------------------------------------------------------

item_value = st.one_of(st.none(), st.integers(min_value=-2, max_value=2))
foot_answers = st.fixed_dictionaries({item: item_value for item in ITEMS})
answers_strategy = st.builds(
    Answers,
    left=foot_answers,
    right=foot_answers,
    sex=st.sampled_from(["", "female", "male", "other"]),
    height_cm=st.one_of(st.none(), st.floats(min_value=100, max_value=230)),
    weight_kg=st.one_of(st.none(), st.floats(min_value=30, max_value=250)),
    pain_areas=st.frozensets(
        st.sampled_from(["heel", "arch", "ankle", "shin", "knee", "hip", "lower_back"])
    ),
    symptoms=st.frozensets(st.sampled_from(scoring.MATCHING_SYMPTOMS)),
    previous_overuse_injury=st.booleans(),
    impact_sessions_per_week=st.integers(min_value=0, max_value=14),
    recent_training_jump=st.booleans(),
    hypermobility=st.booleans(),
)


def _exact_band(raw_total: int, answered: int) -> str:
    """The band of the exact fraction, compared with rational arithmetic."""
    exact = Fraction(raw_total * len(ITEMS), answered)
    highly_supinated, supinated, pronated, highly_pronated = (
        Fraction(edge) for edge in scoring.POSTURE_EDGES_V2
    )
    if exact <= highly_supinated:
        return "highly_supinated"
    if exact <= supinated:
        return "supinated"
    if exact < pronated:
        return "typical"
    if exact < highly_pronated:
        return "pronated"
    return "highly_pronated"


@given(foot_answers)
def test_unrounded_band_equals_the_band_of_the_exact_fraction(items):
    result = scoring.foot_result_v2("left", items)
    answered = [value for value in items.values() if value is not None]
    if len(answered) < scoring.MIN_ANSWERED_ITEMS:
        assert result.score is None and result.posture_band is None
        return
    assert result.score == float(Fraction(sum(answered) * len(ITEMS), len(answered)))
    assert result.posture_band == _exact_band(sum(answered), len(answered))


@given(answers_strategy)
def test_left_and_right_mirror(answers):
    mirrored = replace(answers, left=answers.right, right=answers.left)
    result, other = scoring.score_v2(answers), scoring.score_v2(mirrored)
    assert result.band == other.band
    assert result.load_score == other.load_score
    assert result.difference == other.difference and result.asymmetry == other.asymmetry
    assert result.left == replace(other.right, side="left")
    assert result.right == replace(other.left, side="right")
    swap = {"left": "right", "right": "left"}
    assert sorted(result.based_on) == sorted(swap[side] for side in other.based_on)
    assert result.foot_type == other.foot_type and result.next_step == other.next_step


@given(answers_strategy)
def test_any_valid_answer_set_scores_consistently(answers):
    result = scoring.score_v2(answers)
    assert result.band in {None, "low", "moderate", "high"}
    feet = [f for f in (result.left, result.right) if f.band is not None]
    if feet:
        assert result.band == max((f.band for f in feet), key=scoring.BAND_ORDER.__getitem__)
    else:
        assert result.band is None and result.next_step == "clinician"
    assert result.asymmetry == (result.difference is not None and result.difference > 3)
    if result.band == "high":  # high only ever with a matching symptom, so with pain
        assert result.matching_symptoms and result.pain_reported
    for foot_result in (result.left, result.right):
        if foot_result.foot_type == scoring.FOOT_TYPE_SUPINATED:
            assert foot_result.band in {"low", "moderate"}
    if result.load_only:
        assert result.band == "low" and result.load_score >= 2 and not result.offers_product
