"""Pins the version-1 model (kept for stored v1 results): band edges, rescaling, red flags, asymmetry, and its invariants."""

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import Answers

ITEMS = scoring.POSTURE_ITEMS


def foot(*values):
    """Five posture answers in FPI order; None means "I can't tell"."""
    return dict(zip(ITEMS, values, strict=True))


def flat(value):
    return foot(value, value, value, value, value)


NEUTRAL = flat(0)


# --- Per-foot posture score and rescaling ---------------------------------------------------


def test_all_five_answered_is_the_plain_sum():
    result = scoring.foot_score("left", foot(2, 2, 1, 1, 0))
    assert (result.score, result.answered, result.raw_total) == (6, 5, 6)


def test_extremes_span_minus_ten_to_plus_ten():
    assert scoring.foot_score("left", flat(2)).score == 10
    assert scoring.foot_score("left", flat(-2)).score == -10


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (foot(2, 2, 2, 2, None), 10),  # 8 x 5/4
        (foot(1, 1, 1, None, None), 5),  # 3 x 5/3
        (foot(1, 1, 1, 0, None), 4),  # 3 x 5/4 = 3.75 -> 4
        (foot(1, 1, 0, 0, None), 3),  # 2.5 rounds half away from zero
        (foot(-1, -1, 0, 0, None), -3),  # and mirrors for negatives
        (foot(2, 1, 0, None, None), 5),  # 3 x 5/3
    ],
)
def test_cant_tell_answers_rescale_to_the_answered_items(items, expected):
    assert scoring.foot_score("left", items).score == expected


def test_fewer_than_three_answered_items_is_not_enough_information():
    result = scoring.foot_score("left", foot(2, 2, None, None, None))
    assert result.score is None
    assert result.posture_band == scoring.BAND_NOT_ENOUGH_INFORMATION
    assert scoring.foot_score("left", foot(2, 2, 2, None, None)).score == 10


def test_both_feet_unanswerable_gives_not_enough_information():
    result = scoring.score(Answers(left=flat(None), right=foot(1, 1, None, None, None)))
    assert result.band == scoring.BAND_NOT_ENOUGH_INFORMATION
    assert result.posture_score is None


def test_one_scorable_foot_is_enough_for_a_band():
    result = scoring.score(Answers(left=flat(None), right=flat(2)))
    assert result.band == scoring.BAND_HIGH
    assert result.scoring_foot == "right"
    assert result.left.score is None and result.difference is None


def test_an_out_of_range_answer_is_refused():
    with pytest.raises(ValueError, match="between -2 and"):
        scoring.foot_score("left", foot(3, 0, 0, 0, 0))


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (-10, "supinated"),
        (-1, "supinated"),
        (0, "typical"),
        (4, "typical"),
        (5, "pronated"),
        (7, "pronated"),
        (8, "highly_pronated"),
        (10, "highly_pronated"),
    ],
)
def test_posture_band_edges(score, band):
    assert scoring.posture_band(score) == band


# --- Result band edges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posture", "load", "symptom", "band"),
    [
        (8, 0, False, "high"),  # A >= 8 alone
        (7, 0, False, "moderate"),  # 5..7 alone
        (5, 0, False, "moderate"),
        (5, 2, True, "high"),  # A >= 5 with B >= 2 and a matching symptom
        (5, 1, True, "moderate"),  # B one short
        (5, 2, False, "moderate"),  # no matching symptom
        (4, 0, False, "low"),
        (4, 2, True, "moderate"),  # A <= 4 with B >= 2 and a symptom
        (4, 2, False, "low"),
        (4, 1, True, "low"),
        (-10, 2, True, "moderate"),
        (-10, 6, False, "low"),
    ],
)
def test_result_band_edges(posture, load, symptom, band):
    assert scoring.result_band(posture, load, symptom) == band


def test_the_higher_scoring_foot_decides_and_drivers_name_its_answers():
    result = scoring.score(Answers(left=foot(2, 2, 2, 2, 0), right=NEUTRAL))
    assert result.band == "high"
    assert result.scoring_foot == "left"
    assert result.posture_score == 8
    posture_drivers = [d.code for d in result.drivers if d.kind == "posture"]
    assert posture_drivers == ["ankle_curves", "heel_tilt", "midfoot_bulge", "arch_height"]


def test_load_and_symptoms_lift_a_typical_foot_to_moderate():
    answers = Answers(
        left=flat(0),
        right=flat(0),
        height_cm=170,
        weight_kg=90,  # BMI 31.1: +2
        symptoms=frozenset({"first_step_heel_pain"}),
    )
    result = scoring.score(answers)
    assert result.load_score == 2
    assert result.load_factors == (("bmi_30_or_more", 2),)
    assert result.band == "moderate"
    assert [d.code for d in result.drivers] == ["bmi_30_or_more"]


# --- Load score ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height", "weight", "points"),
    [
        (180, 97.2, 2),  # BMI 30.0
        (180, 97.0, 1),  # 29.9
        (180, 87.5, 1),  # 27.0
        (180, 87.0, 0),  # 26.9
        (None, 87.0, 0),  # BMI unknown: no points
    ],
)
def test_bmi_points_edges(height, weight, points):
    factors = scoring.load_factors(Answers(height_cm=height, weight_kg=weight))
    assert sum(p for _, p in factors) == points


def test_each_load_factor_counts_once():
    answers = Answers(
        sex="female",
        pain_areas=frozenset({"hip"}),
        previous_overuse_injury=True,
        impact_sessions_per_week=3,
        recent_training_jump=True,  # same factor as impact: still +1
        hypermobility=True,
    )
    assert dict(scoring.load_factors(answers)) == {
        "previous_overuse_injury": 1,
        "impact_or_training_jump": 1,
        "female_shin_or_hip": 1,
        "hypermobility": 1,
    }


def test_two_impact_sessions_earn_nothing_and_male_hip_pain_earns_nothing():
    answers = Answers(sex="male", pain_areas=frozenset({"hip"}), impact_sessions_per_week=2)
    assert scoring.load_factors(answers) == ()


# --- Red flags -----------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [f for f in scoring.RED_FLAGS if f != "under_18"])
def test_each_red_flag_gates_the_score(flag):
    result = scoring.score(Answers(left=flat(2), right=flat(2), red_flags=frozenset({flag})))
    assert result.red_flags == (flag,)
    assert result.band is None and result.posture_score is None and result.load_score is None
    assert result.referred
    assert result.urgent is (flag in {"diabetic_foot_wound", "red_hot_swollen_foot"})


@pytest.mark.parametrize(("age", "referred"), [(17, True), (18, False), (None, False)])
def test_under_18_is_a_red_flag(age, referred):
    result = scoring.score(Answers(left=NEUTRAL, right=NEUTRAL, age=age))
    assert result.referred is referred
    assert (result.red_flags == ("under_18",)) is referred


def test_unknown_red_flag_codes_are_ignored():
    assert scoring.score(Answers(left=NEUTRAL, red_flags=frozenset({"nonsense"}))).band == "low"


# --- Asymmetry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "difference", "asymmetry"),
    [
        (foot(1, 1, 1, 1, 0), NEUTRAL, 4, False),  # exactly 4: not marked
        (foot(1, 1, 1, 1, 1), NEUTRAL, 5, True),  # beyond 4: marked
        (NEUTRAL, foot(-1, -1, -1, -1, -1), 5, True),  # either direction
    ],
)
def test_asymmetry_beyond_four_points_is_flagged(left, right, difference, asymmetry):
    result = scoring.score(Answers(left=left, right=right))
    assert result.difference == difference
    assert result.asymmetry is asymmetry


def test_result_snapshot_is_json_ready():
    import json

    result = scoring.score(Answers(left=flat(1), right=flat(2), hypermobility=True))
    snapshot = scoring.result_to_dict(result)
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["model_version"] == scoring.MODEL_VERSION_V1 == "1"


# --- Properties ----------------------------------------------------------------------------

item_value = st.one_of(st.none(), st.integers(min_value=-2, max_value=2))
foot_answers = st.fixed_dictionaries({item: item_value for item in ITEMS})
answers_strategy = st.builds(
    Answers,
    left=foot_answers,
    right=foot_answers,
    red_flags=st.frozensets(st.sampled_from(scoring.RED_FLAGS)),
    age=st.one_of(st.none(), st.integers(min_value=1, max_value=110)),
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


@given(answers_strategy)
def test_any_valid_answer_set_scores(answers):
    result = scoring.score(answers)
    if result.red_flags:
        assert result.band is None
    else:
        assert result.band in {"low", "moderate", "high", "not_enough_information"}
        for foot_result in (result.left, result.right):
            assert foot_result.score is None or -10 <= foot_result.score <= 10
        assert result.asymmetry == (result.difference is not None and result.difference > 4)


@given(answers_strategy, st.sampled_from(["left", "right"]), st.sampled_from(ITEMS))
def test_raising_a_posture_item_never_lowers_the_band(answers, side, item):
    value = getattr(answers, side)[item]
    assume(value is not None and value < 2)
    raised = replace(answers, **{side: {**getattr(answers, side), item: value + 1}})
    before, after = scoring.score(answers), scoring.score(raised)
    if before.band in scoring.BAND_ORDER:
        assert scoring.BAND_ORDER[after.band] >= scoring.BAND_ORDER[before.band]
    else:  # red flags and "not enough information" do not depend on the value
        assert after.band == before.band


def test_scoring_module_has_no_django_imports():
    import subprocess
    import sys

    code = (
        "import sys; import assessments.scoring as s; "
        "s.score(s.Answers()); "
        "print(any(name == 'django' or name.startswith('django.') for name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
